/**
 * `npm run e2e:scale`: the scaled-out set-up on real servers — a redis-server and a PostgreSQL
 * server (throwaway, loopback ports, temporary folders), `rhythmix bot --shards 2` over two guilds,
 * and `rhythmix worker` processes — against the local Discord simulator. It proves that composes
 * from many users across both shard processes are each answered once with the limits held in
 * Redis, that a worker killed mid-job leaves its job to another worker (one answer), that jobs
 * queued in Redis survive a Redis restart, that ratings land in PostgreSQL, and that `/model` on
 * any shard lists and switches the Redis model store the workers compose with.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordSimulator, guildIdOnShard, MessageFlags, type SimGuild, type SimInteraction, type SimMessage } from '../sim/index.js';
import { makeTempDir, removeDir } from '../bot/support/test-bot.js';
import { postgresUnavailable, startPostgres, type PostgresServer } from '../support/postgres.js';
import { redisUnavailable, startRedis, type RedisServer } from '../support/redis.js';
import { cleanEnv, killHard, startCli, type CliRun } from './support/bot-process.js';

const USERS = Array.from({ length: 20 }, (_, i) => `user${i}`);
const SHORT = { seed: 'C4q D4q E4q', style: 'classical', length: 2 };

const isPiece = (m: SimMessage) => m.attachments.length === 3 && !(m.flags & MessageFlags.Loading);

describe.skipIf(postgresUnavailable !== undefined || redisUnavailable !== undefined)('scaled out: shards + workers + Redis + PostgreSQL', () => {
  let redis: RedisServer;
  let postgres: PostgresServer;
  let sql: pg.Client;
  let sim: DiscordSimulator;
  let dir: string;
  let env: Record<string, string>;
  let bot: CliRun | undefined;
  let guilds: SimGuild[];
  const workers: CliRun[] = [];
  let workerCount = 0;

  const startWorker = async (): Promise<CliRun> => {
    const worker = startCli(['worker', '--no-retrains', '--cache', path.join(dir, `cache-${++workerCount}`)], env, dir);
    workers.push(worker);
    await expect.poll(() => worker.output(), { timeout: 60_000 }).toContain('worker ready');
    return worker;
  };
  const general = (guild: SimGuild) => guild.channels.find((channel) => channel.name === 'general')!;
  const started = (worker: CliRun) =>
    worker
      .output()
      .split('\n')
      .filter((line) => line.includes('"compose started"')).length;
  const done = (worker: CliRun) =>
    worker
      .output()
      .split('\n')
      .filter((line) => line.includes('"compose done"')).length;
  /** Answered once: one deferral, the piece in the reply, nothing else sent for it. */
  const answeredOnce = async (run: SimInteraction): Promise<SimMessage> => {
    const reply = await run.waitForReply(isPiece, 120_000);
    expect(run.callbackTypes).toEqual([5]);
    expect(run.followUps()).toEqual([]);
    return reply;
  };

  beforeAll(async () => {
    [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
    const databaseUrl = await postgres.createDatabase();
    sql = new pg.Client({ connectionString: databaseUrl });
    await sql.connect();
    const ids = [guildIdOnShard(0, 2), guildIdOnShard(1, 2)];
    sim = await DiscordSimulator.start({
      guilds: ids.map((id, shard) => ({
        id,
        name: `Shard ${shard} server`,
        textChannels: ['general'],
        voiceChannels: ['Music'],
        members: [...USERS, 'extra'],
      })),
    });
    guilds = ids.map((id) => sim.world.guilds.get(id)!);
    dir = makeTempDir();
    // One job per user at a time and ten per server, checked in Redis by both shard processes.
    writeFileSync(
      path.join(dir, '.env'),
      [
        `DISCORD_APP_ID=${sim.applicationId}`,
        `DATABASE_URL=${databaseUrl}`,
        `REDIS_URL=${redis.url}`,
        'PIECES_DIR=./pieces',
        'QUEUE_PER_USER=1',
        'QUEUE_PER_GUILD=10',
        'QUEUE_MAX_LENGTH=20',
        'WORKER_LOCK_SECONDS=2',
        'COMPOSE_WORKERS=1',
        '',
      ].join('\n'),
    );
    env = { ...cleanEnv(), ...sim.clientEnv(), LOG_LEVEL: 'info' };
    bot = startCli(['bot', '--shards', '2', '--deploy-commands'], env, dir);
    await sim.waitFor(() => bot!.output().includes('2 shard(s) online'), 'both shards online', 90_000);
  }, 150_000);

  afterAll(async () => {
    await Promise.all(workers.map((worker) => killHard(worker)));
    await killHard(bot);
    await sql?.end();
    await sim?.close();
    await Promise.allSettled([redis?.stop(), postgres?.stop()]);
    removeDir(dir);
  });

  it(
    '20 composes from 20 users over 2 shards: one line in Redis, limits held across shards, each answered once by 2 workers',
    { timeout: 240_000 },
    async () => {
      // No worker yet: every job waits in Redis, so the refusals below do not race with finishing jobs.
      const runs = USERS.map((user, i) => sim.user(user).slash('compose', SHORT, { channel: general(guilds[i % 2]!) }));
      for (const run of runs) expect(await run.waitForAck(30_000)).toBe(5);
      // user0 composes in guild 0 (shard 0); the same user on shard 1 is refused by the one limit in Redis.
      const twice = sim.user('user0').slash('compose', SHORT, { channel: general(guilds[1]!) });
      expect(await twice.waitForAck(30_000)).toBe(4);
      expect(twice.reply()?.content).toMatch(/you already have 1 job queued or running — try again in \d+ s/);
      // Guild 0 has ten jobs: an eleventh user there is refused.
      const eleventh = sim.user('extra').slash('compose', SHORT, { channel: general(guilds[0]!) });
      expect(await eleventh.waitForAck(30_000)).toBe(4);
      expect(eleventh.reply()?.content).toMatch(/this server already has 10 jobs queued or running — try again in \d+ s/);
      // Positions count the jobs of both shards: each shows its place among all twenty.
      for (const run of runs) await run.waitForReply((m) => /Queued \d+\/20 /.test(m.content), 30_000);

      const [first, second] = [await startWorker(), await startWorker()];
      const replies: SimMessage[] = [];
      for (const run of runs) replies.push(await answeredOnce(run));
      expect(new Set(replies.map((reply) => reply.id)).size).toBe(20);
      // Both workers took jobs, and each job was composed once.
      expect(done(first)).toBeGreaterThan(0);
      expect(done(second)).toBeGreaterThan(0);
      expect(done(first) + done(second)).toBe(20);

      // Ratings go to PostgreSQL, from both shards' guilds.
      sim.user('user2').react(replies[0]!, '👍');
      sim.user('user3').react(replies[1]!, '🔥');
      const stored = async () =>
        (
          await sql.query<{ rating: string }>(
            `SELECT p."guildId" || ':' || r."emoji" AS rating FROM "Rating" r JOIN "Piece" p ON p.id = r."pieceId" WHERE p."messageId" = ANY($1) ORDER BY 1`,
            [[replies[0]!.id, replies[1]!.id]],
          )
        ).rows.map((row) => row.rating);
      await expect.poll(stored, { timeout: 20_000 }).toEqual([`${guilds[0]!.id}:👍`, `${guilds[1]!.id}:🔥`].sort());
      expect(Number((await sql.query<{ n: string }>('SELECT count(*) AS n FROM "Piece"')).rows[0]!.n)).toBe(20);
    },
  );

  it('a worker killed mid-job (SIGKILL): the other worker runs it and the user gets one answer', { timeout: 180_000 }, async () => {
    const [first, second] = workers.slice(-2) as [CliRun, CliRun];
    const before = [started(first), started(second)];
    // Long enough (64 bars, 4 tracks) to be killed while composing.
    const run = sim.user('user4').slash('compose', { ...SHORT, length: 64, tracks: 4 }, { channel: general(guilds[0]!) });
    await expect.poll(() => started(first) + started(second) - before[0]! - before[1]!, { timeout: 60_000 }).toBe(1);
    const [victim, survivor] = started(first) > before[0]! ? [first, second] : [second, first];
    const survivorDone = done(survivor);
    // Still on the worker: composing, or rendering (the audio, piano roll and score take longer than the notes).
    await run.waitForReply((m) => /Composing|Rendering/i.test(m.content), 60_000);
    await killHard(victim);
    await answeredOnce(run);
    expect(done(survivor)).toBe(survivorDone + 1);
    expect(survivor.output()).toContain('a job lost its worker');
  });

  it('jobs queued in Redis survive a Redis restart and are answered once a worker runs them', { timeout: 180_000 }, async () => {
    // Stop every worker (SIGTERM: a graceful stop) so the next jobs wait in Redis.
    for (const worker of workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null)) {
      worker.child.kill('SIGTERM');
      expect(await worker.exit).toBe(0);
    }
    const runs = ['user5', 'user6', 'user7'].map((user, i) => sim.user(user).slash('compose', SHORT, { channel: general(guilds[i % 2]!) }));
    for (const run of runs) await run.waitForReply((m) => /Queued/.test(m.content), 30_000);
    await redis.restart();
    await startWorker();
    for (const run of runs) await answeredOnce(run);
  });

  it("/model on either shard lists the model store the workers use; a switch on one shard is the whole cluster's", { timeout: 60_000 }, async () => {
    const owner = sim.user('user0'); // the servers' owner: an admin
    const list = async (guild: SimGuild) =>
      (await owner.slash('model', {}, { channel: general(guild) }).waitForReply((m) => m.content.length > 0, 30_000)).content;
    // Nothing retrained or switched yet: the store is empty, and the bot says what serves instead.
    expect(await list(guilds[0]!)).toMatch(/^No model versions in the cluster's model store yet/);
    const use = owner.slash('model', { use: 'rhythmix-base' }, { channel: general(guilds[1]!) });
    expect((await use.waitForReply((m) => /Now using/.test(m.content), 30_000)).content).toBe('Now using model **rhythmix-base** for new pieces.');
    // Published from shard 1's models folder into the store; shard 0 lists it as the active version.
    expect(await list(guilds[0]!)).toMatch(/^▶ `rhythmix-base` base · NLL \d\.\d{3}/);
  });
});
