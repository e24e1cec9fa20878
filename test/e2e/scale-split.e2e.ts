/**
 * `npm run e2e:scale`, shards split across machines: two `rhythmix bot --shards 2 --shard-list N`
 * managers, each in its own folder (its own .env and pieces folder: nothing shared but Redis and
 * PostgreSQL), one shard each, and one `rhythmix worker`, against the Discord simulator. A /compose
 * in each shard's server is answered once by its own machine, the per-user limit holds across both,
 * ratings from both land in PostgreSQL, the commands are registered and the web playground served
 * by shard 0's machine only (its composes run on the worker too), and a shard killed on one machine
 * recovers its own unanswered job while the other machine's job goes on to its answer.
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
import { freePort } from '../support/free-port.js';

const SHORT = { seed: 'C4q D4q E4q', style: 'classical', length: 2 };
const isPiece = (m: SimMessage) => m.attachments.length === 3 && !(m.flags & MessageFlags.Loading);
const general = (guild: SimGuild) => guild.channels.find((channel) => channel.name === 'general')!;
const linesWith = (run: CliRun, text: string) =>
  run
    .output()
    .split('\n')
    .filter((line) => line.includes(text));

describe.skipIf(postgresUnavailable !== undefined || redisUnavailable !== undefined)('shards split across two machines (--shard-list)', () => {
  let redis: RedisServer;
  let postgres: PostgresServer;
  let sql: pg.Client;
  let sim: DiscordSimulator;
  let env: Record<string, string>;
  let guilds: SimGuild[];
  /** One folder per "machine": shard 0's, shard 1's, the worker's. */
  const dirs: string[] = [];
  const machines: CliRun[] = [];
  let worker: CliRun | undefined;

  /** A machine's folder with its own .env (the same settings everywhere, as a deployment would have). */
  const machineDir = (settings: readonly string[]): string => {
    const dir = makeTempDir();
    dirs.push(dir);
    writeFileSync(path.join(dir, '.env'), [`DISCORD_APP_ID=${sim.applicationId}`, ...settings, ''].join('\n'));
    return dir;
  };
  /** The shard that received the interaction (only ever one may). */
  const deliveredTo = (run: SimInteraction): number[] =>
    [...sim.gateway.sessions.values()]
      .filter((session) => session.events.some((event) => event.t === 'INTERACTION_CREATE' && (event.d as { id?: string }).id === run.id))
      .map((session) => session.shard[0]);
  const answeredOnce = async (run: SimInteraction): Promise<SimMessage> => {
    const reply = await run.waitForReply(isPiece, 120_000);
    expect(run.callbackTypes).toEqual([5]);
    expect(run.followUps()).toEqual([]);
    return reply;
  };
  const startWorker = async (): Promise<CliRun> => {
    worker = startCli(['worker', '--no-retrains', '--cache', path.join(dirs[2]!, 'cache')], env, dirs[2]!);
    await expect.poll(() => worker!.output(), { timeout: 60_000 }).toContain('worker ready');
    return worker;
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
        members: ['alice', 'bob', 'carol', 'dave'],
      })),
    });
    guilds = ids.map((id) => sim.world.guilds.get(id)!);
    env = { ...cleanEnv(), ...sim.clientEnv(), LOG_LEVEL: 'info' };
    // One job per user at a time, checked in Redis by both machines.
    const settings = [
      `DATABASE_URL=${databaseUrl}`,
      `REDIS_URL=${redis.url}`,
      'PIECES_DIR=./pieces',
      'QUEUE_PER_USER=1',
      // The same on both, as one .env copied to every machine: only shard 0's process listens.
      `WEB_PORT=${await freePort()}`,
      'WORKER_LOCK_SECONDS=2',
      'COMPOSE_WORKERS=1',
    ];
    for (let machine = 0; machine < 3; machine++) machineDir(settings);
  }, 120_000);

  afterAll(async () => {
    await killHard(worker);
    for (const machine of machines) await killHard(machine);
    await sql?.end();
    await sim?.close();
    await Promise.allSettled([redis?.stop(), postgres?.stop()]);
    for (const dir of dirs) removeDir(dir);
  });

  it('refuses to run part of the shards without REDIS_URL, saying what to set', { timeout: 60_000 }, async () => {
    const dir = makeTempDir();
    dirs.push(dir);
    writeFileSync(path.join(dir, '.env'), `DISCORD_APP_ID=${sim.applicationId}\nDATABASE_URL=file:./bot.db\n`);
    const alone = startCli(['bot', '--shards', '2', '--shard-list', '1'], env, dir);
    expect(await alone.exit).toBe(2);
    expect(alone.output()).toMatch(/--shard-list runs part of the shards here.*set REDIS_URL/);
    expect(sim.gateway.sessions.size).toBe(0);
  });

  it(
    'two machines, one shard each: composes answered once by their own shard, limits across both, ratings in PostgreSQL, web and commands once',
    { timeout: 480_000 },
    async () => {
      for (const shard of [0, 1]) {
        const machine = startCli(['bot', '--shards', '2', '--shard-list', String(shard), '--deploy-commands'], env, dirs[shard]!);
        machines.push(machine);
        await Promise.race([
          // Generous: a shard process's start (Node, discord.js, Prisma) takes tens of seconds on a loaded 2-core machine.
          sim
            .waitFor(() => machine.output().includes(`1 shard(s) online here: ${shard} of 2`), `shard ${shard}'s machine online`, 150_000)
            .catch((error: unknown) => Promise.reject(new Error(`${(error as Error).message}\n${machine.output()}`))),
          machine.exit.then((code) => Promise.reject(new Error(`shard ${shard}'s machine exited (${code}):\n${machine.output()}`))),
        ]);
      }
      const [zero, one] = machines as [CliRun, CliRun];
      expect(sim.gateway.shardSessions(0)).toHaveLength(1);
      expect(sim.gateway.shardSessions(1)).toHaveLength(1);
      // Registered once, by shard 0's machine; served once, by shard 0's process.
      expect(linesWith(zero, '"commands registered"')).toHaveLength(1);
      expect(linesWith(one, '"commands registered"')).toHaveLength(0);
      expect(one.output()).toContain('the machine that runs shard 0 registers them');
      // A shard logs these once ready, a moment after its manager said it is.
      await expect.poll(() => linesWith(zero, '"web gallery and playground ready"'), { timeout: 30_000 }).toHaveLength(1);
      await expect.poll(() => one.output(), { timeout: 30_000 }).toContain("web server not started here: shard 0's process serves it");
      expect(linesWith(one, '"web gallery and playground ready"')).toHaveLength(0);
      const webLine = linesWith(zero, '"web gallery and playground ready"');
      const webUrl = (JSON.parse(webLine[0]!) as { url: string }).url;

      // No worker yet: the jobs wait in Redis, so the limit below does not race with finishing jobs.
      const runs = [
        sim.user('alice').slash('compose', SHORT, { channel: general(guilds[0]!) }),
        sim.user('bob').slash('compose', SHORT, { channel: general(guilds[1]!) }),
      ];
      for (const run of runs) expect(await run.waitForAck(30_000)).toBe(5);
      // alice's job waits on shard 0's machine: the same user on shard 1's machine is refused.
      const twice = sim.user('alice').slash('compose', SHORT, { channel: general(guilds[1]!) });
      expect(await twice.waitForAck(30_000)).toBe(4);
      expect(twice.reply()?.content).toMatch(/you already have 1 job queued or running — try again in \d+ s/);
      // A playground compose on shard 0's machine queues on the same cluster queue.
      const posted = await fetch(new URL('/api/compose', webUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(SHORT),
      });
      expect(posted.status).toBe(202);
      const webJob = ((await posted.json()) as { id: string }).id;
      for (const run of runs) await run.waitForReply((m) => /Queued \d+\/3 /.test(m.content), 30_000);

      const composer = await startWorker();
      const replies: SimMessage[] = [];
      for (const run of runs) replies.push(await answeredOnce(run));
      expect(runs.map(deliveredTo)).toEqual([[0], [1]]);
      expect(replies.map((reply) => reply.channelId)).toEqual([general(guilds[0]!).id, general(guilds[1]!).id]);
      const webView = async () => (await (await fetch(new URL(`/api/jobs/${webJob}`, webUrl))).json()) as { state: string; pieceId?: number };
      await expect.poll(async () => (await webView()).state, { timeout: 120_000, interval: 500 }).toBe('done');
      // The worker composed all three — the playground's too — each once.
      await expect.poll(() => linesWith(composer, '"compose done"').length, { timeout: 10_000 }).toBe(3);

      sim.user('carol').react(replies[0]!, '👍');
      sim.user('dave').react(replies[1]!, '🔥');
      const stored = async () =>
        (
          await sql.query<{ rating: string }>(
            `SELECT p."guildId" || ':' || r."emoji" AS rating FROM "Rating" r JOIN "Piece" p ON p.id = r."pieceId" WHERE p."messageId" = ANY($1) ORDER BY 1`,
            [replies.map((reply) => reply.id)],
          )
        ).rows.map((row) => row.rating);
      await expect.poll(stored, { timeout: 20_000 }).toEqual([`${guilds[0]!.id}:👍`, `${guilds[1]!.id}:🔥`].sort());
    },
  );

  it("a shard killed on one machine recovers only its own unanswered job; the other machine's job is answered", { timeout: 240_000 }, async () => {
    const [zero, one] = machines as [CliRun, CliRun];
    // Without a worker the next jobs wait in Redis.
    worker!.child.kill('SIGTERM');
    expect(await worker!.exit).toBe(0);
    const kept = sim.user('carol').slash('compose', SHORT, { channel: general(guilds[0]!) });
    const cut = sim.user('dave').slash('compose', SHORT, { channel: general(guilds[1]!) });
    for (const run of [kept, cut]) await run.waitForReply((m) => /Queued/.test(m.content), 30_000);

    // SIGKILL shard 1's process (as a crash would): its manager starts it again, and it finds dave's job unanswered.
    const started = linesWith(one, '"shard started"').map((line) => JSON.parse(line) as { pid: number });
    process.kill(started.at(-1)!.pid, 'SIGKILL');
    await cut.waitForReply((m) => /restarted before your piece was done/.test(m.content), 90_000);
    await expect.poll(() => linesWith(one, '"interrupted composes recovered"').length, { timeout: 10_000 }).toBe(1);
    // Shard 0's machine did not touch it, and its own job still waits for a worker.
    expect(linesWith(zero, '"interrupted composes recovered"')).toHaveLength(0);
    expect(kept.reply()?.content).toMatch(/Queued/);

    await startWorker();
    await answeredOnce(kept);
    expect(cut.reply()?.content).toMatch(/restarted before your piece was done/);
    expect(cut.followUps()).toEqual([]);
  });
});
