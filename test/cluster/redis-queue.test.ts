/**
 * The Redis job queue (src/cluster/redis-queue.ts) against a real redis-server: two queue clients,
 * as two bot processes would hold, share one set of limits and one line of waiting jobs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { markEnded, markStarted } from '../../src/cluster/admission.js';
import { ClusterClient } from '../../src/cluster/client.js';
import { RedisJobQueue } from '../../src/cluster/redis-queue.js';
import { KEYS } from '../../src/cluster/redis.js';
import { JobCancelledError, QueueFullError } from '../../src/jobs/errors.js';
import type { JobSpec, JobUpdate } from '../../src/jobs/queue.js';
import { redisUnavailable, startRedis, type RedisServer } from '../support/redis.js';

const LIMITS = { perUser: 2, perGuild: 3, maxQueued: 4 };

describe.skipIf(redisUnavailable)('RedisJobQueue', () => {
  let server: RedisServer;
  const clients: ClusterClient[] = [];
  const queues: RedisJobQueue[] = [];

  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((queue) => queue.close()));
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  /** Two bot processes' queues over one fresh Redis. */
  const twoBots = async (): Promise<[RedisJobQueue, RedisJobQueue, ClusterClient]> => {
    const [a, b] = await Promise.all([ClusterClient.open(server.url), ClusterClient.open(server.url)]);
    clients.push(a, b);
    await a.redis.flushall();
    const made = [new RedisJobQueue(a, LIMITS), new RedisJobQueue(b, LIMITS)] as const;
    queues.push(...made);
    return [made[0], made[1], a];
  };

  /** A job that waits until cancelled (no worker runs it in these tests). */
  const waiting = (userId: string, guildId: string, updates: JobUpdate<unknown>[] = []): JobSpec<void, unknown> => ({
    kind: 'compose',
    userId,
    guildId,
    onUpdate: (update) => updates.push(update),
    run: ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })),
  });

  const settle = <T>(attempts: Array<Promise<T>>) => Promise.allSettled(attempts);

  it('holds the per-user limit across two bots submitting at the same instant', async () => {
    const [one, two] = await twoBots();
    const results = await settle(Array.from({ length: 10 }, (_, i) => (i % 2 ? one : two).submit(waiting('alice', `guild-${i}`))));
    const accepted = results.filter((r) => r.status === 'fulfilled');
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(accepted).toHaveLength(2);
    expect(refused).toHaveLength(8);
    for (const error of refused) {
      expect(error).toBeInstanceOf(QueueFullError);
      expect((error as QueueFullError).limit).toBe('user');
      expect((error as QueueFullError).message).toMatch(/^you already have 2 jobs queued or running — try again in \d+ s$/);
    }
  });

  it('holds the per-guild limit and the waiting limit across two bots', async () => {
    const [one, two] = await twoBots();
    const guild = await settle(Array.from({ length: 8 }, (_, i) => (i % 2 ? one : two).submit(waiting(`user-${i}`, 'busy-guild'))));
    expect(guild.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(guild.flatMap((r) => (r.status === 'rejected' ? [(r.reason as QueueFullError).limit] : []))).toEqual(Array(5).fill('guild'));
    // Three wait already; one more place is left in the line of four.
    const queue = await settle(Array.from({ length: 6 }, (_, i) => (i % 2 ? one : two).submit(waiting(`other-${i}`, `other-guild-${i}`))));
    expect(queue.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const full = queue.flatMap((r) => (r.status === 'rejected' ? [r.reason as QueueFullError] : []));
    expect(full.map((error) => error.limit)).toEqual(Array(5).fill('queue'));
    expect(full[0]!.message).toContain('the queue is full (4 waiting)');
  });

  it('tells each waiting job its place as workers anywhere start and end jobs; a cancel frees its place', async () => {
    const [one, two, client] = await twoBots();
    const updates: Array<JobUpdate<unknown>[]> = [[], [], []];
    const first = await one.submit(waiting('u1', 'g1', updates[0]));
    const second = await two.submit(waiting('u2', 'g1', updates[1]));
    const third = await one.submit(waiting('u3', 'g2', updates[2]));
    expect(updates.map((u) => u[0])).toEqual([
      { state: 'queued', position: 1, queued: 1 },
      { state: 'queued', position: 2, queued: 2 },
      { state: 'queued', position: 3, queued: 3 },
    ]);
    // Each admission, by either bot, tells the waiting jobs the new length of the one line.
    await expect.poll(() => updates[0]!.at(-1)).toEqual({ state: 'queued', position: 1, queued: 3 });
    await expect.poll(() => updates[1]!.at(-1)).toEqual({ state: 'queued', position: 2, queued: 3 });
    // A worker (here: the script a worker runs) takes the first job.
    expect(await markStarted(client.redis, first.id)).toBe(true);
    await expect.poll(() => updates[0]!.at(-1)).toEqual({ state: 'running' });
    await expect.poll(() => updates[1]!.at(-1)).toEqual({ state: 'queued', position: 1, queued: 2 });
    await expect.poll(() => updates[2]!.at(-1)).toEqual({ state: 'queued', position: 2, queued: 2 });
    // The second bot's user gives up: the third job moves up; its place is not taken by a worker later.
    expect(second.cancel()).toBe(true);
    await expect(second.result).rejects.toBeInstanceOf(JobCancelledError);
    await expect.poll(() => updates[2]!.at(-1)).toEqual({ state: 'queued', position: 1, queued: 1 });
    expect(await markStarted(client.redis, second.id)).toBe(false);
    // Ended by the worker: the limits are free again, the duration feeds the estimate.
    expect(await markEnded(client.redis, first.id, 1200)).toBe(true);
    expect(await markEnded(client.redis, first.id, 1200)).toBe(false);
    expect(await client.redis.lrange(KEYS.durations, 0, -1)).toEqual(['1200']);
    expect(await client.redis.hexists(KEYS.active, String(first.id))).toBe(0);
    third.cancel();
    first.cancel();
  });

  it('estimates "try again in N s" from the durations of finished jobs and the running one', async () => {
    const [one, , client] = await twoBots();
    await client.redis.lpush(KEYS.durations, 20_000, 20_000);
    const a = await one.submit(waiting('carol', 'g'));
    await one.submit(waiting('carol', 'g'));
    await markStarted(client.redis, a.id, Date.now() - 5000);
    const refusal = await one.submit(waiting('carol', 'g')).catch((error: unknown) => error as QueueFullError);
    expect(refusal).toBeInstanceOf(QueueFullError);
    // The running job is 5 s into an expected 20 s.
    expect((refusal as QueueFullError).retryAfterSeconds).toBeGreaterThanOrEqual(14);
    expect((refusal as QueueFullError).retryAfterSeconds).toBeLessThanOrEqual(16);
  });

  it('refuses new jobs once drained, and its cancelled jobs free their places in Redis', async () => {
    const [one, , client] = await twoBots();
    const handle = await one.submit(waiting('dave', 'g'));
    await one.drain(0);
    await expect(handle.result).rejects.toBeInstanceOf(JobCancelledError);
    expect(one.accepting).toBe(false);
    await expect(one.submit(waiting('erin', 'g'))).rejects.toBeInstanceOf(JobCancelledError);
    expect(await client.redis.hlen(KEYS.active)).toBe(0);
    expect(await client.redis.zcard(KEYS.queued)).toBe(0);
  });
});
