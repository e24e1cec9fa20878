/**
 * Part of the shards on this machine (`rhythmix bot --shards N --shard-list 0,1`): the ids parsed
 * and checked, and what a split bot needs. Machines that each run some shards of one count share
 * nothing but Redis and the database, so the job queue must be Redis's (the in-process queue
 * cannot be shared) and the database should be PostgreSQL (an SQLite file only reaches the
 * processes of one machine).
 */
import { isPostgresqlUrl } from '../config/schema.js';
import { InvalidInputError, RhythmixError } from '../util/errors.js';
import { quoteInput } from '../util/text.js';

/** "0,1", "0-3,6": shard ids in order, each once. */
export function parseShardList(text: string): number[] {
  const ids = new Set<number>();
  for (const part of text.split(',').map((piece) => piece.trim())) {
    const range = /^(\d+)(?:-(\d+))?$/.exec(part);
    const from = range ? Number(range[1]) : NaN;
    const to = range?.[2] !== undefined ? Number(range[2]) : from;
    if (!range || to < from) {
      throw new InvalidInputError(`--shard-list must be shard ids or ranges separated by commas (e.g. 0,1 or 0-4), got ${quoteInput(text)}`, {
        field: 'shardList',
      });
    }
    for (let id = from; id <= to; id++) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

/** Refuses ids outside a count of `total`. */
export function checkShardList(ids: readonly number[], total: number): void {
  const outside = ids.filter((id) => id >= total);
  if (outside.length > 0) {
    throw new InvalidInputError(`--shard-list names shard ${outside.join(', ')}, but --shards ${total} has ids 0 to ${total - 1}`, { field: 'shardList' });
  }
}

/** Whether `ids` leave shards of the count to other machines. */
export function runsPartOfShards(ids: readonly number[] | undefined, total: number): boolean {
  return ids !== undefined && ids.length < total;
}

/**
 * What a bot running part of the shards needs: REDIS_URL (refused without it) and PostgreSQL
 * (returned as a warning: one machine's SQLite file works, but the other machines' shards do not
 * see its pieces, ratings and model registry).
 */
export function splitShardsProblems(settings: { readonly redisUrl?: string | undefined; readonly databaseUrl: string }): { readonly warning?: string } {
  if (!settings.redisUrl) {
    throw new RhythmixError(
      '--shard-list runs part of the shards here, and the other machines share the job queue and its limits only through Redis — set REDIS_URL (e.g. redis://HOST:6379) on every machine (docs/scaling.md, "Shards on several machines")',
      { exitCode: 2 },
    );
  }
  if (!isPostgresqlUrl(settings.databaseUrl)) {
    return {
      warning:
        "DATABASE_URL is an SQLite file: only this machine's processes share it, so the other machines' shards keep their pieces, ratings and model versions apart — use a postgresql:// URL shared by every machine",
    };
  }
  return {};
}
