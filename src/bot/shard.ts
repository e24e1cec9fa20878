/**
 * The shard side of sharding: what one bot process serves. Under `rhythmix bot --shards N` each
 * process runs the shard ids discord.js read from the ShardingManager's environment (SHARDS,
 * SHARD_COUNT) into the client options; without the flag one process serves every guild.
 */
import { ShardClientUtil, type Client } from 'discord.js';

/** The shard ids this process runs and their total, or null when it serves every guild. */
export function processShards(client: Client): { readonly ids: readonly number[]; readonly count: number } | null {
  const { shards, shardCount = 1 } = client.options;
  if (!Array.isArray(shards) || shards.length >= shardCount) return null;
  return { ids: shards as readonly number[], count: shardCount };
}

/** Whether this process receives the server's events (null: DMs, which Discord sends to shard 0). */
export function servesGuild(client: Client, guildId: string | null): boolean {
  const shards = processShards(client);
  if (!shards) return true;
  return shards.ids.includes(guildId === null ? 0 : ShardClientUtil.shardIdForGuildId(guildId, shards.count));
}

/** Whether this process runs what must run once per bot (the retrain schedule): shard 0's, or the only one. */
export function runsOncePerBot(client: Client): boolean {
  return processShards(client)?.ids.includes(0) ?? true;
}

/** Whether a ShardingManager started this process (it then owns its lifecycle). */
export function isManagedShard(client: Client): boolean {
  return client.shard !== null;
}

/** " (shard 1 of 2)" for a process a ShardingManager started (or that runs some shards only), else "". */
export function shardLabel(client: Client): string {
  const shards = processShards(client) ?? (client.shard ? { ids: client.shard.ids, count: client.shard.count } : null);
  return shards ? ` (shard ${shards.ids.join(', ')} of ${shards.count})` : '';
}
