import { describe, expect, it } from 'vitest';
import { checkShardList, parseShardList, runsPartOfShards, splitShardsProblems } from '../../src/bot/shard-list.js';
import { InvalidInputError, RhythmixError } from '../../src/util/errors.js';

describe('--shard-list: part of the shards on this machine', () => {
  it('reads ids and ranges, in order and each once; refuses anything else', () => {
    expect(parseShardList('1,0')).toEqual([0, 1]);
    expect(parseShardList('0-2, 5,2')).toEqual([0, 1, 2, 5]);
    for (const bad of ['', 'a', '1,,2', '3-1', '-1', '1.5']) expect(() => parseShardList(bad), bad).toThrow(InvalidInputError);
    expect(() => parseShardList('3-1')).toThrow(/ranges separated by commas/);
  });

  it('refuses ids outside the count, and knows when others run the rest', () => {
    expect(() => checkShardList([0, 1], 2)).not.toThrow();
    expect(() => checkShardList([1, 2], 2)).toThrow('--shard-list names shard 2, but --shards 2 has ids 0 to 1');
    expect(runsPartOfShards([1], 2)).toBe(true);
    expect(runsPartOfShards([0, 1], 2)).toBe(false);
    expect(runsPartOfShards(undefined, 2)).toBe(false);
  });

  it('needs REDIS_URL (refused with what to set) and recommends PostgreSQL', () => {
    const refused = (() => {
      try {
        splitShardsProblems({ databaseUrl: 'postgresql://u:p@db/rhythmix' });
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(RhythmixError);
    expect((refused as RhythmixError).message).toMatch(/set REDIS_URL/);
    expect((refused as RhythmixError).exitCode).toBe(2);
    expect(splitShardsProblems({ redisUrl: 'redis://r:6379', databaseUrl: 'file:./data/rhythmix.db' }).warning).toMatch(/SQLite file.*postgresql:\/\//);
    expect(splitShardsProblems({ redisUrl: 'redis://r:6379', databaseUrl: 'postgresql://u:p@db/rhythmix' })).toEqual({});
  });
});
