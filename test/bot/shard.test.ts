import { Client } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { processShards, runsOncePerBot, servesGuild, shardLabel } from '../../src/bot/shard.js';

/** A guild id whose shard of `count` is `shard` (Discord: (id >> 22) % count). */
const guildOn = (shard: number, count: number) => ((BigInt(1_000 * count + shard) << 22n) | 7n).toString();

describe('what one bot process serves', () => {
  it('a process without shard options serves every guild and DMs, and runs the schedule', async () => {
    const client = new Client({ intents: [] });
    expect(processShards(client)).toBeNull();
    expect(servesGuild(client, guildOn(1, 2))).toBe(true);
    expect(servesGuild(client, null)).toBe(true);
    expect(runsOncePerBot(client)).toBe(true);
    expect(shardLabel(client)).toBe('');
    await client.destroy();
  });

  it('a shard process (as a ShardingManager child) serves only its guilds; DMs and the schedule are shard 0s', async () => {
    const one = new Client({ intents: [], shards: [1], shardCount: 2 });
    expect(processShards(one)).toEqual({ ids: [1], count: 2 });
    expect(servesGuild(one, guildOn(1, 2))).toBe(true);
    expect(servesGuild(one, guildOn(0, 2))).toBe(false);
    expect(servesGuild(one, null)).toBe(false);
    expect(runsOncePerBot(one)).toBe(false);
    expect(shardLabel(one)).toBe(' (shard 1 of 2)');
    const zero = new Client({ intents: [], shards: [0], shardCount: 3 });
    expect(servesGuild(zero, guildOn(0, 3))).toBe(true);
    expect(servesGuild(zero, guildOn(2, 3))).toBe(false);
    expect(servesGuild(zero, null)).toBe(true);
    expect(runsOncePerBot(zero)).toBe(true);
    await Promise.all([one.destroy(), zero.destroy()]);
  });

  it('one process running every shard of the count serves everything', async () => {
    const all = new Client({ intents: [], shards: [0, 1], shardCount: 2 });
    expect(processShards(all)).toBeNull();
    expect(servesGuild(all, guildOn(1, 2))).toBe(true);
    await all.destroy();
  });
});
