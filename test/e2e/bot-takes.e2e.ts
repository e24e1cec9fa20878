import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMidi } from '../../src/midi/read.js';
import { ratedPieces, withEnd } from '../../src/feedback/finetune-data.js';
import { pieceSignals } from '../../src/feedback/signal.js';
import { ratingWeights } from '../../src/config/rating-emojis.js';
import { DEFAULT_VOCABULARY } from '../../src/music/vocabulary.js';
import { DiscordSimulator, MessageFlags, type SimMessage } from '../sim/index.js';
import { removeDir, startTestBot, type TestBot } from '../bot/support/test-bot.js';

/**
 * /compose takes:2 end to end: real discord.js against the simulator, the compose worker in a
 * child process (build first: `npm run build`). What the user sees: two result messages, take A
 * and take B, different pieces, each with its own reactions and buttons; reactions rate each
 * take; a button under B acts on B; and the two takes rated apart are a preference pair.
 */
const isResult = (message: SimMessage) => message.attachments.length === 3 && !(message.flags & MessageFlags.Loading);
const WAIT_MS = 100_000;
const SLOW = { timeout: 200_000 };

type Embed = { title: string; fields: Array<{ name: string; value: string }> };
const buttonsOf = (message: SimMessage) => (message.components[0] as { components: Array<{ label: string; custom_id: string }> }).components;
const notesOf = (message: SimMessage) =>
  parseMidi(new Uint8Array(message.attachments.find((a) => a.filename.endsWith('.mid'))!.data))
    .tracks.flatMap((t) => t.notes.map((n) => `${t.program}:${n.pitch}@${n.start}+${n.duration}`))
    .sort();

describe('/compose takes:2 on the simulator', () => {
  let sim: DiscordSimulator;
  let test: TestBot;

  beforeAll(async () => {
    sim = await DiscordSimulator.start();
    test = await startTestBot(sim);
    await sim.waitForCommands(['compose']);
  });

  afterAll(async () => {
    await test?.stop();
    await sim?.close();
    removeDir(test?.dir);
  });

  const prisma = () => test.bot.context.db.prisma;
  const pieceOf = async (message: SimMessage) => {
    await expect.poll(() => prisma().piece.count({ where: { messageId: message.id } }), { timeout: 5000 }).toBe(1);
    return prisma().piece.findUniqueOrThrow({ where: { messageId: message.id } });
  };

  it(
    'posts take A and take B as two messages that differ, each rated on its own; a button under B acts on B; the pair is a preference pair',
    SLOW,
    async () => {
      const alice = sim.user('alice');
      const run = alice.slash('compose', { seed: 'C4q E4q G4h', style: 'classical', length: 3, tempo: 100, takes: 2 });
      expect(await run.waitForAck()).toBe(5);
      const messageA = await run.waitForReply(isResult, WAIT_MS);
      const messageB = await run.waitForFollowUp(isResult, WAIT_MS);
      // While it ran, the progress message showed both takes.
      expect(messageA.history.some((h) => /^Take A: .+\nTake B: .+$/.test(h.content))).toBe(true);

      const [a, b] = [await pieceOf(messageA), await pieceOf(messageB)];
      expect((messageA.embeds[0] as Embed).title).toBe(`Piece #${a.id} — take A (take B: #${b.id})`);
      expect((messageB.embeds[0] as Embed).title).toBe(`Piece #${b.id} — take B (take A: #${a.id})`);
      expect(buttonsOf(messageA).map((x) => x.label)).toEqual(['Play A', 'Variation of A', 'Continue A', 'Re-roll A', 'Score A']);
      expect(buttonsOf(messageB).map((x) => x.label)).toEqual(['Play B', 'Variation of B', 'Continue B', 'Re-roll B', 'Score B']);
      expect(buttonsOf(messageB).map((x) => x.custom_id)).toContain(`piece:reroll:${b.id}`);

      // Two takes of the same request: same settings and seed notes, sampling seeds N and N+1, other notes.
      expect(b.samplingSeed).toBe((a.samplingSeed! + 1) % 2 ** 31);
      for (const row of [a, b]) expect(row).toMatchObject({ kind: 'original', seed: 'C4q E4q G4h', bars: 3, tempo: 100, authorId: alice.id });
      expect(JSON.parse(a.parameters)).toMatchObject({ take: 'A', request: { seed: 'C4q E4q G4h', bars: 3 } });
      expect(JSON.parse(b.parameters)).toMatchObject({ take: 'B' });
      expect((JSON.parse(b.parameters) as { request: object }).request).not.toHaveProperty('takes');
      expect(notesOf(messageB)).not.toEqual(notesOf(messageA));
      expect(await prisma().takePair.findMany()).toMatchObject([{ pieceAId: a.id, pieceBId: b.id }]);

      // Each take gets the rating reactions, and reactions rate the take they are under.
      for (const message of [messageA, messageB]) await sim.waitFor(() => message.reactions.size === 4, 'the bot to add four rating reactions');
      const bob = sim.user('bob');
      const carol = sim.user('carol');
      bob.react(messageA, '👍');
      bob.react(messageB, '❤️');
      carol.react(messageB, '👍');
      await expect.poll(() => prisma().rating.count(), { timeout: 10_000 }).toBe(3);
      const ratings = await prisma().rating.findMany({ orderBy: { id: 'asc' } });
      expect(ratings.map((r) => [r.pieceId, r.userId, r.emoji])).toEqual([
        [a.id, bob.id, '👍'],
        [b.id, bob.id, '❤'],
        [b.id, carol.id, '👍'],
      ]);

      // Re-roll under B: one new piece made from B (not two takes), labelled as plain buttons again.
      const reroll = alice.click(messageB, `piece:reroll:${b.id}`);
      expect(await reroll.waitForAck()).toBe(5);
      const rerolled = await reroll.waitForReply(isResult, WAIT_MS);
      const rerollRow = await pieceOf(rerolled);
      expect(rerollRow).toMatchObject({ kind: 'reroll', parentId: b.id, seed: 'C4q E4q G4h', bars: 3 });
      expect((rerolled.embeds[0] as Embed).title).toBe(`Piece #${rerollRow.id} — re-roll of #${b.id}`);
      expect(buttonsOf(rerolled).map((x) => x.label)).toEqual(['Play', 'Variation', 'Continue', 'Re-roll', 'Score']);
      expect(reroll.followUps().filter(isResult)).toHaveLength(0);
      expect(await prisma().takePair.count()).toBe(1);

      // The feedback loop's view: B (❤️ + 👍) chosen over A (👍), both liked — a pair the liked × disliked pairs would miss.
      const signals = await pieceSignals(prisma(), { weights: ratingWeights(test.bot.context.config.ratingEmojis), excludeUserIds: [sim.botUser.id] });
      const rated = ratedPieces(signals, DEFAULT_VOCABULARY);
      expect(rated.disliked).toHaveLength(0);
      const tokens = (row: { tokens: Uint8Array<ArrayBuffer> | null }) => withEnd(new Int32Array(new Uint8Array(row.tokens!).buffer), DEFAULT_VOCABULARY);
      expect(rated.takePairs.chosen).toEqual([tokens(b)]);
      expect(rated.takePairs.rejected).toEqual([tokens(a)]);
    },
  );
});
