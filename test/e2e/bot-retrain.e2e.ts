/**
 * The feedback loop end to end through the real bot on the simulator: pieces the bot composed and
 * stored ratings → `/retrain` (the real child process, guardrail included) → the accepted version
 * is announced with what changed, `/model` lists it as current, and the next `/compose` is
 * composed by it. The model is the tiny one of the feedback tests (its data in a temporary
 * folder), so a retrain takes seconds. Build first (`npm run build`): compose and retrain run from dist/.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addRating, createPiece } from '../../src/db/index.js';
import { loadModel } from '../../src/model/model-files.js';
import { readCurrentPointer, setCurrentModel } from '../../src/model/registry.js';
import { Rng } from '../../src/model/rng.js';
import { DiscordSimulator, MessageFlags, type SimMessage } from '../sim/index.js';
import { removeDir, startTestBot, type TestBot } from '../bot/support/test-bot.js';
import { melodyTokens, tinyWorld, type TinyWorld } from '../feedback/fixtures.js';

const isResult = (message: SimMessage) => message.attachments.length === 3 && !(message.flags & MessageFlags.Loading);
/** Generous: the machine may be busy (2 cores shared); nothing here measures speed. */
const WAIT_MS = 150_000;

describe('a retrain from stored ratings on the simulator', () => {
  let sim: DiscordSimulator;
  let test: TestBot;
  let world: TinyWorld;
  const savedModelsDir = process.env.RHYTHMIX_MODELS_DIR;

  beforeAll(async () => {
    world = await tinyWorld();
    await setCurrentModel(world.baseName, { modelsDir: world.modelsDir });
    // The bot, its compose child processes and the retrain child all read the models folder from here.
    process.env.RHYTHMIX_MODELS_DIR = world.modelsDir;
    sim = await DiscordSimulator.start();
    const announcements = sim.channel('compositions').id;
    test = await startTestBot(sim, { env: { ANNOUNCE_CHANNEL_ID: announcements } });
    await sim.waitForCommands(['compose', 'retrain', 'model']);
  }, 120_000);

  afterAll(async () => {
    await test?.stop();
    await sim?.close();
    removeDir(test?.dir);
    if (savedModelsDir === undefined) delete process.env.RHYTHMIX_MODELS_DIR;
    else process.env.RHYTHMIX_MODELS_DIR = savedModelsDir;
    world?.cleanup();
  });

  const prisma = () => test.bot.context.db.prisma;
  const pieceOf = async (message: SimMessage) => {
    await expect.poll(() => prisma().piece.count({ where: { messageId: message.id } }), { timeout: 5000 }).toBe(1);
    return prisma().piece.findUniqueOrThrow({ where: { messageId: message.id } });
  };

  it('/retrain switches to the accepted version, announces what changed, and the next /compose uses it', { timeout: 400_000 }, async () => {
    const alice = sim.user('alice'); // the guild's owner: an admin
    const bob = sim.user('bob');
    const first = await alice.slash('compose', { style: 'folk', length: 2 }).waitForReply(isResult, WAIT_MS);
    const before = await pieceOf(first);
    expect(before.modelVersion).toBe(world.baseName);
    // A listener likes it on Discord; more ratings are already stored (pieces in the data's style, liked by five users).
    await sim.waitFor(() => first.reactions.has('👍'), 'the rating reactions');
    bob.react(first, '👍');
    await expect.poll(() => prisma().rating.count({ where: { pieceId: before.id, removedAt: null, userId: bob.id } }), { timeout: 10_000 }).toBe(1);
    const rng = new Rng(5);
    for (let i = 0; i < 5; i++) {
      const piece = await createPiece(prisma(), { style: 'folk', tokens: melodyTokens(rng, 72), guild: { id: sim.guild.id }, modelVersion: world.baseName });
      await addRating(prisma(), { pieceId: piece.id, user: { id: `listener-${i}` }, emoji: '👍' });
    }

    const verdict = await alice.slash('retrain').waitForReply((m) => /accepted|rejected|Nothing to retrain/.test(m.content ?? ''), WAIT_MS);
    expect(verdict.content).toMatch(/✅ \*\*tiny-base-ft\d{14}\*\* accepted and now in use — fine-tuned from tiny-base on 6 liked piece\(s\), 6 rating\(s\)\./);
    // What changed, measured: the held-out NLL before → after and the liked share of the parent's pieces.
    expect(verdict.content).toMatch(/held-out NLL \d\.\d{3} → \d\.\d{3} \([+-]\d+\.\d %; [+-]\d+\.\d % vs the base, at most \+5 % allowed\)/);
    expect(verdict.content).toMatch(/pieces liked before: 100 % of 6 rated pieces of tiny-base/);
    const version = /\*\*(tiny-base-ft\d{14})\*\*/.exec(verdict.content ?? '')![1]!;
    expect(readCurrentPointer(world.modelsDir)?.model).toBe(version);
    const card = (await loadModel(path.join(world.modelsDir, version))).card!;
    expect(card).toMatchObject({ status: 'accepted', parent: world.baseName, ratingsUsed: 6 });

    const announced = await sim.waitFor(
      () => sim.world.channelMessages(sim.channel('compositions').id).find((m) => m.content?.includes(`New model version **${version}**`)),
      'the announcement',
      WAIT_MS,
    );
    expect(announced.content).toMatch(/What changed: held-out NLL .* pieces liked before: 100 % of 6 rated pieces of tiny-base/);

    const list = await alice.slash('model').waitForReply((m) => (m.content ?? '').includes(version), WAIT_MS);
    expect(list.content).toMatch(new RegExp(`▶ \`${version}\` accepted · NLL \\d\\.\\d{3} \\(parent \\d\\.\\d{3}\\)`));
    expect(list.content).toMatch(new RegExp(`• \`${world.baseName}\` base · NLL \\d\\.\\d{3} · liked 100 % of 6 rated pieces`));

    // The next piece is composed by the new version: the pointer is read when a compose job starts.
    const next = await alice.slash('compose', { style: 'folk', length: 2 }).waitForReply(isResult, WAIT_MS);
    expect((await pieceOf(next)).modelVersion).toBe(version);
    expect(JSON.stringify(next.embeds)).toContain(version);
  });
});
