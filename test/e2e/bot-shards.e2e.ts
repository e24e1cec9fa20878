import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../../src/db/index.js';
import { DiscordSimulator, guildIdOnShard, MessageFlags, type SimGuild, type SimInteraction, type SimMessage } from '../sim/index.js';
import { makeTempDir, removeDir } from '../bot/support/test-bot.js';
import { cleanEnv, killHard, startCli, type CliRun } from './support/bot-process.js';

/**
 * `rhythmix bot --shards N|auto` as its own process: a ShardingManager with one `rhythmix bot`
 * process per shard, against a simulator whose guilds are placed one per shard.
 */
const channelOf = (guild: SimGuild, name: string) => guild.channels.find((channel) => channel.name === name)!;

/** The pids the manager logged for its shards ("shard started"), by shard id, latest last. */
function shardPids(output: string): Map<number, number[]> {
  const pids = new Map<number, number[]>();
  for (const line of output.split('\n')) {
    if (!line.includes('"shard started"')) continue;
    const { shard, pid } = JSON.parse(line) as { shard: number; pid: number };
    pids.set(shard, [...(pids.get(shard) ?? []), pid]);
  }
  return pids;
}

/** Shards that ran their own shutdown ("bot stopped" in their log). */
const stoppedShards = (output: string) => output.split('\n').filter((line) => line.includes('"msg":"bot stopped"')).length;

/** Whether a process exists (signal 0 only checks). */
function probe(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('rhythmix bot --shards', () => {
  let sim: DiscordSimulator | undefined;
  let dir: string | undefined;
  let bot: CliRun | undefined;
  let db: OpenedDatabase | undefined;

  afterEach(async () => {
    await killHard(bot);
    await db?.close();
    await sim?.close();
    removeDir(dir);
    sim = dir = bot = db = undefined;
  });

  const setUp = async (options: { recommendedShards?: number } = {}) => {
    const guilds = [0, 1].map((shard) => ({
      id: guildIdOnShard(shard, 2),
      name: `Shard ${shard} server`,
      textChannels: ['general'],
      voiceChannels: ['Music'],
      members: [shard === 0 ? 'alice' : 'bob'],
    }));
    sim = await DiscordSimulator.start({ guilds, ...options });
    dir = makeTempDir();
    writeFileSync(path.join(dir, '.env'), `DISCORD_APP_ID=${sim.applicationId}\nDATABASE_URL=file:./bot.db\nPIECES_DIR=./pieces\n`);
    return { sim, dir, env: { ...cleanEnv(), ...sim.clientEnv(), LOG_LEVEL: 'info' }, guilds: guilds.map((guild) => sim!.world.guilds.get(guild.id)!) };
  };

  /** The shard whose gateway session received the interaction (only ever one may). */
  const deliveredTo = (run: SimInteraction): number[] =>
    [...sim!.gateway.sessions.values()]
      .filter((session) => session.events.some((event) => event.t === 'INTERACTION_CREATE' && (event.d as { id?: string }).id === run.id))
      .map((session) => session.shard[0]);

  it(
    'runs one process per shard: each guild is served by its shard (compose, voice, ratings), a killed shard comes back, SIGTERM stops all',
    { timeout: 240_000 },
    async () => {
      const { sim, dir, env, guilds } = await setUp();
      bot = startCli(['bot', '--shards', '2', '--deploy-commands'], env, dir);
      await sim.waitFor(() => sim.gateway.shardSessions(0).length > 0 && sim.gateway.shardSessions(1).length > 0, 'both shards to identify', 60_000);
      await expect.poll(() => bot!.output(), { timeout: 60_000 }).toContain('2 shard(s) online');
      // Commands are registered once, by the manager, not per shard.
      expect(sim.requests('PUT /applications/:application/commands')).toHaveLength(1);
      for (const shard of [0, 1]) {
        expect(
          sim.gateway
            .shardSessions(shard)[0]!
            .events.filter((event) => event.t === 'GUILD_CREATE')
            .map((event) => (event.d as { id: string }).id),
        ).toEqual([guilds[shard]!.id]);
      }

      const users = [sim.user('alice'), sim.user('bob')];
      const runs = guilds.map((guild, shard) => {
        users[shard]!.joinVoice(channelOf(guild, 'Music'));
        return users[shard]!.slash('compose', { seed: 'C4q D4q E4q', style: 'classical', length: 2 }, { channel: channelOf(guild, 'general') });
      });
      const replies: SimMessage[] = [];
      for (const [shard, run] of runs.entries()) {
        replies.push(await run.waitForReply((m) => m.attachments.length === 3 && !(m.flags & MessageFlags.Loading), 120_000));
        expect(deliveredTo(run)).toEqual([shard]);
        // Answered once: one acknowledgement, by the one process that got it.
        expect(run.callbackTypes).toEqual([5]);
      }
      for (const [shard, guild] of guilds.entries()) {
        const audio = await sim.voice.waitForAudioEnd({ guildId: guild.id, minPackets: 25, timeoutMs: 60_000 });
        expect(audio.audioPackets.length).toBeGreaterThanOrEqual(25);
        // The voice join (op 4) went over the shard that owns the guild.
        const joins = sim.gateway.received.filter((entry) => entry.op === 4 && (entry.d as { guild_id?: string }).guild_id === guild.id);
        expect(joins.length).toBeGreaterThan(0);
        expect(joins.every((entry) => sim.gateway.sessions.get(entry.sessionId!)?.shard[0] === shard)).toBe(true);
      }

      // A shard that dies is started again by the manager and serves its guild again.
      const before = shardPids(bot.output()).get(1)!;
      expect(before).toHaveLength(1);
      process.kill(before[0]!, 'SIGKILL');
      await sim.waitFor(() => sim.gateway.shardSessions(1).length === 2, 'shard 1 to identify again', 60_000);
      expect(shardPids(bot.output()).get(1)).toHaveLength(2);

      db = await openDatabase(`file:${path.join(dir, 'bot.db')}`);
      const stored = async (messageId: string) =>
        (await db!.prisma.rating.findMany({ where: { piece: { messageId }, removedAt: null }, select: { userId: true, emoji: true } })).map(
          (r) => `${r.userId}:${r.emoji}`,
        );
      await sim.waitFor(
        () =>
          sim.gateway
            .shardSessions(1)
            .at(-1)!
            .events.some((event) => event.t === 'GUILD_CREATE'),
        'shard 1 to get its guild back',
      );
      users[0]!.react(replies[0]!, '👍');
      users[1]!.react(replies[1]!, '🔥');
      await expect.poll(() => stored(replies[0]!.id), { timeout: 20_000 }).toEqual([`${users[0]!.id}:👍`]);
      await expect.poll(() => stored(replies[1]!.id), { timeout: 20_000 }).toEqual([`${users[1]!.id}:🔥`]);

      bot.child.kill('SIGTERM');
      expect(await bot.exit).toBe(0);
      expect(bot.output()).toContain('shards stopped');
      // Every shard process is gone (kill 0 only probes).
      for (const pid of [...shardPids(bot.output()).values()].flat()) expect(() => process.kill(pid, 0)).toThrow();
      expect(bot.output()).not.toContain(sim.token);
    },
  );

  it("--shards auto follows Discord's recommended count; Ctrl-C stops every shard gently", { timeout: 120_000 }, async () => {
    const { sim, dir, env } = await setUp({ recommendedShards: 2 });
    bot = startCli(['bot', '--shards', 'auto'], env, dir, { ownProcessGroup: true });
    await expect.poll(() => bot!.output(), { timeout: 60_000 }).toContain('2 shard(s) online (Discord recommends 2)');
    expect([...sim.gateway.sessions.values()].map((session) => session.shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
    // Each shard says so once it is up and handles signals.
    for (const shard of [0, 1]) await expect.poll(() => bot!.output(), { timeout: 30_000 }).toContain(`(shard ${shard} of 2) — Ctrl-C to stop`);
    // Ctrl-C reaches the whole group: the shards' SIGINT and the manager's SIGTERM make one shutdown each.
    process.kill(-bot.child.pid!, 'SIGINT');
    expect(await bot.exit).toBe(0);
    expect(stoppedShards(bot.output())).toBe(2);
    expect([...shardPids(bot.output()).values()].flat().filter(probe)).toEqual([]);
  });

  it('shards whose manager is killed (kill -9) stop on their own', { timeout: 120_000 }, async () => {
    const { sim, dir, env } = await setUp();
    bot = startCli(['bot', '--shards', '2'], env, dir);
    await expect.poll(() => bot!.output(), { timeout: 60_000 }).toContain('2 shard(s) online');
    const pids = [...shardPids(bot.output()).values()].flat();
    expect(pids).toHaveLength(2);
    await killHard(bot);
    const alive = () => pids.filter((pid) => probe(pid));
    await expect.poll(alive, { timeout: 30_000 }).toEqual([]);
    await sim.waitFor(() => [...sim.gateway.sessions.values()].every((session) => !session.socket), 'the shards to leave the gateway');
  });

  it('SIGTERM while the shards are still starting stops the started ones and starts no more', { timeout: 120_000 }, async () => {
    const { sim, dir, env } = await setUp();
    bot = startCli(['bot', '--shards', '2'], env, dir);
    // Shard 0 is up; shard 1 waits its turn (5.5 s apart).
    await sim.waitFor(() => sim.gateway.shardSessions(0).length > 0, 'shard 0 to identify', 60_000);
    bot.child.kill('SIGTERM');
    expect(await bot.exit).toBe(0);
    expect(bot.output()).toContain('shards stopped');
    expect(bot.output()).not.toContain('did not get ready');
    expect(bot.output()).not.toContain('shard(s) online');
    expect([...shardPids(bot.output()).values()].flat().filter(probe)).toEqual([]);
  });

  it('refuses a shard count that is not auto or a whole number', async () => {
    dir = makeTempDir();
    const run = startCli(['bot', '--shards', '0'], cleanEnv(), dir);
    expect(await run.exit).toBe(2);
    expect(run.output()).toContain('--shards must be auto or a whole number from 1 to 256, got "0"');
  });
});
