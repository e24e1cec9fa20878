import { describe, expect, it } from 'vitest';
import { guildIdOnShard, identifyShard, routingGuildId, shardOf, shardOwns } from './sharding.js';

describe('simulator sharding arithmetic', () => {
  it("routes a guild by Discord's formula (guild_id >> 22) % num_shards", () => {
    // 175928847299117063, Discord's snowflake example, carries timestamp 41944705796 ms.
    expect(shardOf('175928847299117063', 1)).toBe(0);
    expect(shardOf('175928847299117063', 2)).toBe(0);
    expect(shardOf('175928847299117063', 3)).toBe(2);
    expect(shardOf('175928847299117063', 5)).toBe(1);
    // Only the timestamp bits count: worker and increment bits do not move a guild.
    expect(shardOf(((5n << 22n) | 0x3fffffn).toString(), 3)).toBe(2);
  });

  it('places fresh guild ids on the shard asked for', () => {
    for (const [id, count] of [
      [0, 2],
      [1, 2],
      [2, 3],
      [4, 5],
    ] as const) {
      const guildId = guildIdOnShard(id, count);
      expect(shardOf(guildId, count)).toBe(id);
    }
    expect(guildIdOnShard(1, 2)).not.toBe(guildIdOnShard(1, 2));
  });

  it('gives guild events to the owning shard and DMs to shard 0', () => {
    const onOne = guildIdOnShard(1, 2);
    expect(shardOwns([1, 2], onOne)).toBe(true);
    expect(shardOwns([0, 2], onOne)).toBe(false);
    expect(shardOwns([0, 1], onOne)).toBe(true);
    expect(shardOwns([0, 2], undefined)).toBe(true);
    expect(shardOwns([1, 2], undefined)).toBe(false);
  });

  it('routes by guild_id, or by the id of a GUILD_* event', () => {
    expect(routingGuildId('INTERACTION_CREATE', { id: '1', guild_id: '22' })).toBe('22');
    expect(routingGuildId('GUILD_CREATE', { id: '33' })).toBe('33');
    expect(routingGuildId('MESSAGE_CREATE', { id: '44', channel_id: '5' })).toBeUndefined();
  });

  it('checks the IDENTIFY shard field like Discord (absent = [0, 1])', () => {
    expect(identifyShard(undefined)).toEqual([0, 1]);
    expect(identifyShard([1, 2])).toEqual([1, 2]);
    expect(identifyShard([2, 2])).toBeUndefined();
    expect(identifyShard([-1, 2])).toBeUndefined();
    expect(identifyShard([0, 0])).toBeUndefined();
    expect(identifyShard([0.5, 2])).toBeUndefined();
    expect(identifyShard([0])).toBeUndefined();
    expect(identifyShard('0,1')).toBeUndefined();
  });
});
