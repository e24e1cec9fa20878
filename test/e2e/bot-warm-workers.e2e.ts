import { cpSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateModelVersion, registerModelVersion } from '../../src/db/index.js';
import { DiscordSimulator, MessageFlags, type SimMessage } from '../sim/index.js';
import { removeDir, startTestBot, type TestBot } from '../bot/support/test-bot.js';
import { isRunning } from '../support/processes.js';

/**
 * The bot's warm compose workers (src/bot/compose/workers.ts) end to end: /compose runs in the
 * process the bot started with itself, job after job, a guild's model switch applies to its next
 * compose in that same process, and stopping the bot leaves no worker behind. `COMPOSE_WORKERS=0`
 * still composes, in a fresh child per job. Build first (`npm run build`): the workers run dist/.
 */
const isResult = (message: SimMessage) => message.attachments.length === 3 && !(message.flags & MessageFlags.Loading);
/** Generous: the machine may be busy (2 cores shared); nothing here measures speed. */
const WAIT_MS = 100_000;
const SLOW = { timeout: 150_000 };

describe('warm compose workers', () => {
  let sim: DiscordSimulator;
  let test: TestBot;

  beforeAll(async () => {
    sim = await DiscordSimulator.start();
    test = await startTestBot(sim, { env: { QUEUE_CONCURRENCY: '1' } });
    await sim.waitForCommands(['compose']);
  });

  afterAll(async () => {
    await test?.stop();
    await sim?.close();
    removeDir(test?.dir);
  });

  const pieceOf = async (message: SimMessage) => {
    const prisma = test.bot.context.db.prisma;
    await expect.poll(() => prisma.piece.count({ where: { messageId: message.id } }), { timeout: 5000 }).toBe(1);
    return prisma.piece.findUniqueOrThrow({ where: { messageId: message.id } });
  };

  it('composes in the worker started with the bot, switches to the guild’s new model in it, and ends it with the bot', SLOW, async () => {
    const workers = test.bot.context.composeWorkers;
    expect(workers?.size).toBe(1);
    const started = workers!.pids;
    expect(started).toHaveLength(1);

    const alice = sim.user('alice');
    const first = await pieceOf(
      await alice.slash('compose', { seed: 'C4q E4q G4h', style: 'classical', length: 2, play: false }).waitForReply(isResult, WAIT_MS),
    );
    expect(first.modelVersion).toBeTruthy();

    // The guild's own variant (here a copy of a bundled model in a folder of its own) becomes active
    // between two composes, as /model use or a retrain makes it.
    const variant = path.join(test.dir, 'guild-variant');
    cpSync(fileURLToPath(new URL('../../models/jsb-bench', import.meta.url)), variant, { recursive: true });
    const prisma = test.bot.context.db.prisma;
    await registerModelVersion(prisma, { name: variant, guildId: sim.guild.id });
    await activateModelVersion(prisma, variant);
    const second = await pieceOf(
      await alice.slash('compose', { seed: 'C4q E4q G4h', style: 'classical', length: 2, play: false }).waitForReply(isResult, WAIT_MS),
    );
    expect(second.modelVersion).toBe(variant);
    expect(workers!.pids).toEqual(started);

    await test.stop();
    expect(isRunning(started[0]!)).toBe(false);
  });
});

describe('COMPOSE_WORKERS=0', () => {
  let sim: DiscordSimulator;
  let test: TestBot;

  beforeAll(async () => {
    sim = await DiscordSimulator.start();
    test = await startTestBot(sim, { env: { COMPOSE_WORKERS: '0' } });
    await sim.waitForCommands(['compose']);
  });

  afterAll(async () => {
    await test?.stop();
    await sim?.close();
    removeDir(test?.dir);
  });

  it('keeps no workers and composes in a fresh child per job', SLOW, async () => {
    expect(test.bot.context.composeWorkers).toBeUndefined();
    const reply = await sim.user('bob').slash('compose', { seed: 'C4q E4q G4h', length: 2, play: false }).waitForReply(isResult, WAIT_MS);
    expect(reply.attachments.map((a) => a.filename.split('.').pop()).sort()).toEqual(['mid', 'ogg', 'png']);
  });
});
