/**
 * Discord's sharding arithmetic: a guild belongs to shard `(guild_id >> 22) % num_shards`, a
 * session without `shard` in IDENTIFY is shard [0, 1], and DMs go to shard 0.
 */
import { nextSnowflake } from './snowflake.js';

export type ShardPair = readonly [id: number, count: number];

export const UNSHARDED: ShardPair = [0, 1];

/** Close codes a refused IDENTIFY gets (Discord's gateway close event codes). */
export const ShardCloseCode = { InvalidShard: 4010, ShardingRequired: 4011 } as const;

/** The shard that receives a guild's events. */
export function shardOf(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

/** Whether a session on `shard` receives an event for `guildId` (no guild: a DM, shard 0's). */
export function shardOwns(shard: ShardPair, guildId: string | undefined): boolean {
  return guildId === undefined ? shard[0] === 0 : shardOf(guildId, shard[1]) === shard[0];
}

/**
 * The IDENTIFY's `shard` field checked like Discord: absent → [0, 1]; otherwise two integers with
 * 0 ≤ id < count. Returns undefined for an invalid value (close 4010).
 */
export function identifyShard(value: unknown): ShardPair | undefined {
  if (value === undefined || value === null) return UNSHARDED;
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [id, count] = value as unknown[];
  if (!Number.isInteger(id) || !Number.isInteger(count)) return undefined;
  const pair: ShardPair = [id as number, count as number];
  return pair[1] >= 1 && pair[0] >= 0 && pair[0] < pair[1] ? pair : undefined;
}

/** The guild id an event is routed by: `guild_id`, or the guild's own `id` for GUILD_* events. */
export function routingGuildId(event: string, data: Record<string, unknown>): string | undefined {
  if (typeof data.guild_id === 'string') return data.guild_id;
  if (event.startsWith('GUILD_') && typeof data.id === 'string') return data.id;
  return undefined;
}

/** A fresh guild snowflake that lands on `shardId` of `shardCount` (tests place guilds with it). */
export function guildIdOnShard(shardId: number, shardCount: number): string {
  const now = Date.now();
  for (let offset = 0; ; offset++) {
    const id = nextSnowflake(now - offset);
    if (shardOf(id, shardCount) === shardId) return id;
  }
}
