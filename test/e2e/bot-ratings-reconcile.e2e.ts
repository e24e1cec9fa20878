import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeEmoji } from '../../src/config/rating-emojis.js';
import { openDatabase, type OpenedDatabase } from '../../src/db/index.js';
import { DiscordSimulator, MessageFlags, type SimMessage, type SimUser } from '../sim/index.js';
import { makeTempDir, removeDir } from '../bot/support/test-bot.js';
import { cleanEnv, killHard, startCli, type CliRun } from './support/bot-process.js';
import { mulberry32 } from '../support/random.js';

/**
 * Ratings stay equal to Discord's reactions when events are lost or come out of order: the real
 * `rhythmix bot` process is SIGKILLed in the middle of a reaction burst that goes on while it is
 * down, and a restarted one must bring the database back in line by re-reading the reactions.
 */
const RATING_EMOJIS = ['👍', '👎', '❤️', '🔥'];
const RESTART_GOAL_MS = 60_000;

describe('rating reconciliation against a killed bot', () => {
  let sim: DiscordSimulator;
  let dir: string;
  let bot: CliRun | undefined;
  let db: OpenedDatabase;
  let reply: SimMessage;
  let pieceId: number;
  let env: Record<string, string>;

  const startBot = async () => {
    bot = startCli(['bot'], env, dir);
    await sim.waitForLogin(30_000);
  };

  /** What Discord shows now, as the database should store it: "user:emoji" for rating emojis, people only. */
  const discordRatings = () => {
    const configured = new Set(RATING_EMOJIS.map(normalizeEmoji));
    return [...reply.reactions.entries()]
      .flatMap(([key, users]) => [...users].filter((id) => id !== sim.botUser.id).map((id) => `${id}:${normalizeEmoji(key)}`))
      .filter((rating) => configured.has(rating.slice(rating.indexOf(':') + 1)))
      .sort();
  };
  const storedRatings = async () => (await db.prisma.rating.findMany({ where: { pieceId, removedAt: null } })).map((r) => `${r.userId}:${r.emoji}`).sort();

  beforeAll(async () => {
    sim = await DiscordSimulator.start();
    dir = makeTempDir();
    env = { ...cleanEnv(), ...sim.clientEnv(), LOG_LEVEL: 'info' };
    writeFileSync(path.join(dir, '.env'), `DISCORD_APP_ID=${sim.applicationId}\nDATABASE_URL=file:./bot.db\nPIECES_DIR=./pieces\n`);
    const deploy = startCli(['deploy-commands', '--guild', sim.guild.id], env, dir);
    expect(await deploy.exit).toBe(0);
    await startBot();
    const run = sim.user('alice').slash('compose', { seed: 'C4q D4q E4q', style: 'classical', length: 2 });
    reply = await run.waitForReply((m) => m.attachments.length === 3 && !(m.flags & MessageFlags.Loading), 100_000);
    await sim.waitFor(() => reply.reactions.size === RATING_EMOJIS.length, 'the rating reactions');
    db = await openDatabase(`file:${path.join(dir, 'bot.db')}`);
    // The message id is stored right after posting.
    for (let tries = 0; !(await db.prisma.piece.findUnique({ where: { messageId: reply.id } })) && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    pieceId = (await db.prisma.piece.findUniqueOrThrow({ where: { messageId: reply.id } })).id;
  }, 150_000);

  afterAll(async () => {
    await killHard(bot);
    await db?.close();
    await sim?.close();
    removeDir(dir);
  });

  it('a restart after a kill -9 mid-burst brings the database back to what Discord shows within 60 s', { timeout: 150_000 }, async () => {
    const next = mulberry32(7);
    const users: SimUser[] = Array.from({ length: 200 }, (_, i) => sim.user(`fan${i}`));
    // Everyone likes it first (more than one page of reaction users), then a mixed burst of 1,000.
    for (const user of users) user.react(reply, '👍');
    await expect.poll(async () => (await storedRatings()).length, { timeout: 30_000 }).toBe(users.length);
    const emojis = [...RATING_EMOJIS, '😀'];
    for (let event = 0; event < 1000; event++) {
      const user = users[Math.floor(next() * users.length)]!;
      const emoji = emojis[Math.floor(next() * emojis.length)]!;
      if (next() < 0.5) user.react(reply, emoji);
      else user.unreact(reply, emoji);
      if (event === 400) await killHard(bot);
      if (event % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const expected = discordRatings();
    // The burst really was lost in part, and one emoji still needs two pages.
    expect(await storedRatings()).not.toEqual(expected);
    expect(Math.max(...[...reply.reactions.values()].map((u) => u.size))).toBeGreaterThan(100);

    await startBot();
    await expect.poll(storedRatings, { timeout: RESTART_GOAL_MS, interval: 500 }).toEqual(expected);
    await expect.poll(() => bot!.output(), { timeout: 10_000 }).toContain('rating reactions re-read');
  });

  it('a stale event (an add after the removal, a removal of a reaction still there) is undone by re-reading the message', { timeout: 60_000 }, async () => {
    const ghost = sim.user('ghost');
    const fan = sim.user('fan0');
    fan.react(reply, '🔥');
    await expect.poll(storedRatings, { timeout: 10_000 }).toContain(`${fan.id}:🔥`);

    ghost.react(reply, '❤️');
    ghost.unreact(reply, '❤️');
    ghost.staleReactionEvent(reply, '❤️', true);
    fan.staleReactionEvent(reply, '🔥', false);
    // The stale events are applied first (fan's stale removal came last: once it is applied, ghost's
    // stale add is too — ghost's ❤ alone could still be its first, real add) …
    await expect
      .poll(
        async () => {
          const stored = await storedRatings();
          return stored.includes(`${ghost.id}:❤`) && !stored.includes(`${fan.id}:🔥`);
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    // … and the re-read after the burst puts both back as Discord has them.
    await expect.poll(storedRatings, { timeout: 20_000, interval: 200 }).toEqual(discordRatings());
    expect(await storedRatings()).toContain(`${fan.id}:🔥`);
    expect(await storedRatings()).not.toContain(`${ghost.id}:❤`);
  });
});
