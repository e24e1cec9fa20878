/**
 * The admission rules of src/jobs/queue.ts, cluster-wide: each step is one Lua script, so two bot
 * processes admitting at the same instant cannot both take the last place. A job is admitted
 * (limits checked, id taken, queued), started (by the worker that took it), and ended (by the
 * worker, or by the bot on its answer or a cancel — ending twice is harmless).
 */
import type { Redis } from 'ioredis';
import { CHANNELS, KEYS } from './redis.js';

export interface AdmissionLimits {
  readonly perUser: number;
  readonly perGuild: number;
  /** Jobs waiting for a worker at most. */
  readonly maxQueued: number;
}

export type Admission =
  | { readonly admitted: true; readonly id: number; readonly position: number; readonly queued: number }
  | { readonly admitted: false; readonly limit: 'user' | 'guild' | 'queue'; readonly count: number; readonly blocking: readonly number[] };

const ADMIT = `
local entries = redis.call('HGETALL', KEYS[1])
local user, guild = ARGV[1], ARGV[2]
local mine, theirs = {}, {}
for i = 1, #entries, 2 do
  local u, g = string.match(entries[i + 1], '^([^\\t]*)\\t([^\\t]*)')
  if user ~= '' and u == user then table.insert(mine, entries[i]) end
  if guild ~= '' and g == guild then table.insert(theirs, entries[i]) end
end
if #mine >= tonumber(ARGV[4]) then return {'user', #mine, unpack(mine)} end
if #theirs >= tonumber(ARGV[5]) then return {'guild', #theirs, unpack(theirs)} end
local waiting = redis.call('ZCARD', KEYS[2])
if waiting >= tonumber(ARGV[6]) then
  return {'queue', waiting, unpack(redis.call('ZRANGE', KEYS[3], 0, 0))}
end
local id = redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[1], id, user .. '\\t' .. guild .. '\\t' .. ARGV[3])
redis.call('ZADD', KEYS[2], id, id)
local queued = redis.call('ZCARD', KEYS[2])
redis.call('PUBLISH', ARGV[7], 'admit:' .. id)
return {'ok', id, redis.call('ZRANK', KEYS[2], id) + 1, queued}
`;

/** 1: the worker may run it; 0: it was cancelled (or ended) before it started. */
const START = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('PUBLISH', ARGV[3], 'start:' .. ARGV[1])
return 1
`;

/** 1 when this call ended it (first caller), 0 when it had ended already. */
const END = `
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
if tonumber(ARGV[2]) >= 0 then
  redis.call('LPUSH', KEYS[4], ARGV[2])
  redis.call('LTRIM', KEYS[4], 0, 19)
end
redis.call('PUBLISH', ARGV[3], 'end:' .. ARGV[1])
return 1
`;

export async function admit(
  redis: Redis,
  job: { userId?: string | undefined; guildId?: string | undefined; kind: string },
  limits: AdmissionLimits,
): Promise<Admission> {
  const reply = (await redis.eval(
    ADMIT,
    4,
    KEYS.active,
    KEYS.queued,
    KEYS.running,
    KEYS.sequence,
    job.userId ?? '',
    job.guildId ?? '',
    job.kind,
    limits.perUser,
    limits.perGuild,
    limits.maxQueued,
    CHANNELS.changed,
  )) as Array<string | number>;
  const [verdict, ...rest] = reply;
  const numbers = rest.map(Number);
  if (verdict === 'ok') return { admitted: true, id: numbers[0]!, position: numbers[1]!, queued: numbers[2]! };
  return { admitted: false, limit: verdict as 'user' | 'guild' | 'queue', count: numbers[0]!, blocking: numbers.slice(1) };
}

/** A worker took the job: true when it should run it (false: cancelled meanwhile). */
export async function markStarted(redis: Redis, id: number | string, now: number = Date.now()): Promise<boolean> {
  return (await redis.eval(START, 3, KEYS.active, KEYS.queued, KEYS.running, String(id), now, CHANNELS.changed)) === 1;
}

/** The job is over (its limits free); `durationMs` when it completed, for the estimate. */
export async function markEnded(redis: Redis, id: number | string, durationMs?: number): Promise<boolean> {
  return (await redis.eval(END, 4, KEYS.active, KEYS.queued, KEYS.running, KEYS.durations, String(id), durationMs ?? -1, CHANNELS.changed)) === 1;
}

export interface QueueSnapshot {
  /** 1-based places of the asked ids among the waiting jobs (undefined: not waiting any more). */
  readonly positions: ReadonlyMap<number, number>;
  readonly queued: number;
  readonly running: number;
}

/** Where the given jobs stand now, in one round trip. */
export async function snapshot(redis: Redis, ids: readonly number[]): Promise<QueueSnapshot> {
  const pipeline = redis.multi().zcard(KEYS.queued).zcard(KEYS.running);
  for (const id of ids) pipeline.zrank(KEYS.queued, String(id));
  const replies = (await pipeline.exec()) ?? [];
  const values = replies.map(([error, value]) => (error ? null : value)) as Array<number | null>;
  const positions = new Map<number, number>();
  ids.forEach((id, index) => {
    const rank = values[index + 2];
    if (typeof rank === 'number') positions.set(id, rank + 1);
  });
  return { positions, queued: Number(values[0] ?? 0), running: Number(values[1] ?? 0) };
}

/**
 * Milliseconds until the first of `blocking` should end: running ones take the average of recent
 * durations (at least a second more), waiting ones their turn behind the running ones.
 */
export async function retryEstimateMs(redis: Redis, blocking: readonly number[], initialEstimateMs: number, now: number = Date.now()): Promise<number> {
  const pipeline = redis.multi().lrange(KEYS.durations, 0, -1).zcard(KEYS.running);
  for (const id of blocking) pipeline.zscore(KEYS.running, String(id)).zrank(KEYS.queued, String(id));
  const replies = ((await pipeline.exec()) ?? []).map(([error, value]) => (error ? null : value));
  const durations = ((replies[0] as string[] | null) ?? []).map(Number).filter(Number.isFinite);
  const average = durations.length > 0 ? durations.reduce((sum, d) => sum + d, 0) / durations.length : initialEstimateMs;
  const slots = Math.max(1, Number(replies[1] ?? 0));
  const ends = blocking.map((_, index) => {
    const started = replies[2 + index * 2] as string | null;
    const rank = replies[3 + index * 2] as number | null;
    if (started !== null) return Math.max(average - (now - Number(started)), Math.min(1000, average));
    if (rank !== null) return (Math.floor(rank / slots) + 1) * average;
    return Math.min(1000, average);
  });
  return ends.length > 0 ? Math.min(...ends) : average;
}
