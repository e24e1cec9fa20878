import { describe, expect, it } from 'vitest';
import { parseRatingEmojis, ratingWeights } from '../../src/config/rating-emojis.js';
import {
  activateModelVersion,
  activeModelFor,
  addRating,
  countRatingChangesSince,
  createPiece,
  createTakePair,
  ensureModelVersion,
  failInterruptedRetrainRuns,
  finishRetrainRun,
  getActiveModelVersion,
  getPiece,
  getPieceByMessageId,
  getPieceWithLineage,
  lastRetrainRun,
  listModelVersions,
  listPostedPiecesSince,
  listRatings,
  listTakePairs,
  ratingCounts,
  reconcileRatings,
  registerModelVersion,
  removeRating,
  setModelStatus,
  startRetrainRun,
  takePairOf,
  topRated,
  updatePiece,
  type OpenedDatabase,
} from '../../src/db/index.js';
import { freshDatabaseEachTest, PROVIDERS } from '../support/databases.js';

const guild = { id: '100000000000000001', name: 'Band room' };
const alice = { id: '200000000000000001', name: 'alice' };
const bob = { id: '200000000000000002', name: 'bob' };
const carol = { id: '200000000000000003', name: 'carol' };
const weights = ratingWeights(parseRatingEmojis('👍=1,👎=-1,❤️=2,🔥=2').emojis);
const DAY = 24 * 3600 * 1000;

// The same tests against SQLite and PostgreSQL: the repositories are one implementation for both.
describe.each(PROVIDERS)('%s', (provider) => {
  let db: OpenedDatabase;
  freshDatabaseEachTest(provider, (opened) => (db = opened));

  describe('pieces', () => {
    it('stores a piece with its parameters, tokens and files, and finds it by id and message', async () => {
      const created = await createPiece(db.prisma, {
        style: 'folk',
        seed: 'C4 E4 G4',
        samplingSeed: 2147483647,
        guild,
        author: alice,
        parameters: { temperature: 0.9, instruments: ['piano', 'violin'] },
        tokens: [1, 2, 300, 70000],
        tempo: 96,
        bars: 8,
        key: 'C major',
        modelVersion: 'base',
      });
      expect(created.id).toBeGreaterThan(0);
      const posted = await updatePiece(db.prisma, created.id, { channelId: '3', messageId: '4', midiPath: 'a.mid', audioPath: 'a.ogg', imagePath: 'a.png' });
      expect(posted.messageId).toBe('4');
      const read = await getPiece(db.prisma, created.id);
      expect(read).toMatchObject({
        style: 'folk',
        seed: 'C4 E4 G4',
        samplingSeed: 2147483647,
        guildId: guild.id,
        authorId: alice.id,
        kind: 'original',
        tempo: 96,
        bars: 8,
        audioPath: 'a.ogg',
      });
      expect(read?.parameters).toEqual({ temperature: 0.9, instruments: ['piano', 'violin'] });
      expect(Array.from(read?.tokens ?? [])).toEqual([1, 2, 300, 70000]);
      expect((await getPieceByMessageId(db.prisma, '4'))?.id).toBe(created.id);
      expect(await db.prisma.guild.findUnique({ where: { id: guild.id } })).toMatchObject({ name: 'Band room' });
      await expect(updatePiece(db.prisma, 9999, { bars: 1 })).rejects.toThrow(/piece 9999 does not exist/);
    });

    it('links variations, continuations and re-rolls to their parent', async () => {
      const original = await createPiece(db.prisma, { style: 'game', guild, author: alice });
      expect(original.samplingSeed).toBeNull(); // not given: not recorded
      const variation = await createPiece(db.prisma, { style: 'game', guild, author: bob, kind: 'variation', parentId: original.id });
      const continuation = await createPiece(db.prisma, { style: 'game', guild, author: carol, kind: 'continuation', parentId: original.id });
      const grandchild = await createPiece(db.prisma, { style: 'game', guild, author: alice, kind: 'reroll', parentId: variation.id });
      const lineage = await getPieceWithLineage(db.prisma, original.id);
      expect(lineage?.parent).toBeNull();
      expect(lineage?.children.map((c) => [c.id, c.kind])).toEqual([
        [variation.id, 'variation'],
        [continuation.id, 'continuation'],
      ]);
      const middle = await getPieceWithLineage(db.prisma, variation.id);
      expect(middle?.parent?.id).toBe(original.id);
      expect(middle?.children.map((c) => c.id)).toEqual([grandchild.id]);
      await expect(createPiece(db.prisma, { style: 'game', kind: 'variation' })).rejects.toThrow(/needs the piece it was made from/);
      await expect(createPiece(db.prisma, { style: 'game', kind: 'continuation', parentId: 4242 })).rejects.toThrow(/piece 4242 does not exist/);
      expect(await getPieceWithLineage(db.prisma, 4242)).toBeNull();
    });
  });

  describe('take pairs', () => {
    it('links two takes of one request as A and B, finds the pair from either, and lists pairs by guild', async () => {
      const [a, b] = [
        await createPiece(db.prisma, { style: 'folk', guild, author: alice, samplingSeed: 40 }),
        await createPiece(db.prisma, { style: 'folk', guild, author: alice, samplingSeed: 41 }),
      ];
      const elsewhere = [await createPiece(db.prisma, { style: 'game', guild: { id: '100000000000000009' } }), await createPiece(db.prisma, { style: 'game' })];
      const pair = await createTakePair(db.prisma, { pieceAId: a.id, pieceBId: b.id });
      expect(pair).toMatchObject({ pieceAId: a.id, pieceBId: b.id });
      expect(pair.createdAt).toBeInstanceOf(Date);
      expect(await takePairOf(db.prisma, a.id)).toEqual({ pair, take: 'A' });
      expect(await takePairOf(db.prisma, b.id)).toEqual({ pair, take: 'B' });
      expect(await takePairOf(db.prisma, elsewhere[0]!.id)).toBeNull();
      const other = await createTakePair(db.prisma, { pieceAId: elsewhere[0]!.id, pieceBId: elsewhere[1]!.id });
      expect((await listTakePairs(db.prisma)).map((p) => p.id)).toEqual([pair.id, other.id]);
      expect((await listTakePairs(db.prisma, { guildId: guild.id })).map((p) => p.id)).toEqual([pair.id]);
    });

    it('refuses a piece paired with itself, a missing piece and a piece already in a pair; deleting a take deletes its pair', async () => {
      const [a, b, c] = [
        await createPiece(db.prisma, { style: 'folk' }),
        await createPiece(db.prisma, { style: 'folk' }),
        await createPiece(db.prisma, { style: 'folk' }),
      ];
      await expect(createTakePair(db.prisma, { pieceAId: a.id, pieceBId: a.id })).rejects.toThrow(/cannot be both takes/);
      await expect(createTakePair(db.prisma, { pieceAId: a.id, pieceBId: 9999 })).rejects.toThrow(/piece 9999 does not exist/);
      await createTakePair(db.prisma, { pieceAId: a.id, pieceBId: b.id });
      await expect(createTakePair(db.prisma, { pieceAId: c.id, pieceBId: b.id })).rejects.toThrow(/already takes of one request/);
      // The unique keys hold in SQL too: a piece is take A of one pair at most.
      await expect(db.prisma.takePair.create({ data: { pieceAId: a.id, pieceBId: c.id } })).rejects.toThrow();
      await db.prisma.piece.delete({ where: { id: b.id } });
      expect(await db.prisma.takePair.count()).toBe(0);
      expect(await getPiece(db.prisma, a.id)).not.toBeNull();
    });
  });

  describe('ratings', () => {
    it('one rating per user, piece and emoji; add and remove are idempotent and both recorded', async () => {
      const piece = await createPiece(db.prisma, { style: 'folk', guild, author: alice });
      expect((await addRating(db.prisma, { pieceId: piece.id, user: bob, emoji: '👍' })).changed).toBe(true);
      expect((await addRating(db.prisma, { pieceId: piece.id, user: bob, emoji: '👍' })).changed).toBe(false);
      // ❤️ with and without the variation selector is the same reaction.
      expect((await addRating(db.prisma, { pieceId: piece.id, user: bob, emoji: '❤️' })).changed).toBe(true);
      expect((await addRating(db.prisma, { pieceId: piece.id, user: bob, emoji: '❤' })).changed).toBe(false);
      expect((await addRating(db.prisma, { pieceId: piece.id, user: carol, emoji: '👍' })).changed).toBe(true);
      expect(await db.prisma.rating.count()).toBe(3);
      expect(Object.fromEntries(await ratingCounts(db.prisma, piece.id))).toEqual({ '👍': 2, '❤': 1 });

      const removed = await removeRating(db.prisma, { pieceId: piece.id, user: bob, emoji: '👍' });
      expect(removed.changed).toBe(true);
      expect(removed.rating?.removedAt).toBeInstanceOf(Date);
      expect((await removeRating(db.prisma, { pieceId: piece.id, user: bob, emoji: '👍' })).changed).toBe(false);
      expect((await removeRating(db.prisma, { pieceId: piece.id, user: alice, emoji: '🔥' })).changed).toBe(false);
      expect((await listRatings(db.prisma, piece.id)).map((r) => [r.userId, r.emoji])).toEqual([
        [bob.id, '❤'],
        [carol.id, '👍'],
      ]);
      expect(await listRatings(db.prisma, piece.id, { includeRemoved: true })).toHaveLength(3);

      const readded = await addRating(db.prisma, { pieceId: piece.id, user: bob, emoji: '👍' });
      expect(readded.changed).toBe(true);
      expect(readded.rating?.removedAt).toBeNull();
      expect(await db.prisma.rating.count()).toBe(3);
      await expect(addRating(db.prisma, { pieceId: 777, user: bob, emoji: '👍' })).rejects.toThrow(/piece 777 does not exist/);
    });

    it('reconciling with a snapshot of the reactions adds the missing, removes the gone and leaves other emojis alone', async () => {
      const piece = await createPiece(db.prisma, { style: 'folk', author: alice, channelId: '300000000000000001', messageId: '400000000000000001' });
      await addRating(db.prisma, { pieceId: piece.id, user: bob, emoji: '👍' });
      await addRating(db.prisma, { pieceId: piece.id, user: carol, emoji: '❤️' });
      await addRating(db.prisma, { pieceId: piece.id, user: alice, emoji: '🔥' });
      await removeRating(db.prisma, { pieceId: piece.id, user: alice, emoji: '🔥' });
      await addRating(db.prisma, { pieceId: piece.id, user: alice, emoji: '😀' });
      // Discord now shows: bob 👍 (kept), carol's ❤ gone, alice 🔥 back, dave 👎 new (never seen before).
      const dave = { id: '200000000000000004', name: 'dave' };
      const snapshot = {
        pieceId: piece.id,
        emojis: ['👍', '👎', '❤️', '🔥'],
        reactors: new Map([
          ['👍', [bob]],
          ['🔥', [alice]],
          ['👎', [dave]],
        ]),
      };
      expect(await reconcileRatings(db.prisma, snapshot)).toEqual({ added: 2, removed: 1 });
      const active = (await listRatings(db.prisma, piece.id)).map((r) => `${r.userId}:${r.emoji}`).sort();
      expect(active).toEqual([`${alice.id}:😀`, `${alice.id}:🔥`, `${bob.id}:👍`, `${dave.id}:👎`].sort());
      expect(await db.prisma.user.findUnique({ where: { id: dave.id } })).toMatchObject({ name: 'dave' });
      // Equal already: nothing changes the second time.
      expect(await reconcileRatings(db.prisma, snapshot)).toEqual({ added: 0, removed: 0 });
      // Listed with its server, so a shard re-reads only the pieces of its own guilds (null: a DM).
      const inGuild = await createPiece(db.prisma, {
        style: 'folk',
        author: alice,
        guild: { id: '500000000000000001' },
        channelId: '300000000000000002',
        messageId: '400000000000000002',
      });
      expect(await listPostedPiecesSince(db.prisma, new Date(Date.now() - DAY))).toEqual([
        { id: inGuild.id, channelId: '300000000000000002', messageId: '400000000000000002', guildId: '500000000000000001' },
        { id: piece.id, channelId: '300000000000000001', messageId: '400000000000000001', guildId: null },
      ]);
      expect(await listPostedPiecesSince(db.prisma, new Date(Date.now() + DAY))).toEqual([]);
    });

    it('the same reaction arriving many times at once is stored once', async () => {
      const piece = await createPiece(db.prisma, { style: 'folk', author: alice });
      const results = await Promise.all(Array.from({ length: 8 }, () => addRating(db.prisma, { pieceId: piece.id, user: bob, emoji: '🔥' })));
      expect(results.filter((r) => r.changed)).toHaveLength(1);
      expect(await db.prisma.rating.count()).toBe(1);
    });

    it('a new user reacting with several emojis at once, on pieces of a new guild made at once, is stored once with every rating', async () => {
      // PostgreSQL runs these transactions side by side: each creates the guild and the user on first sight.
      const newcomer = { id: '200000000000000009' };
      const pieces = await Promise.all(
        Array.from({ length: 4 }, () => createPiece(db.prisma, { style: 'folk', guild: { id: '100000000000000009' }, author: newcomer })),
      );
      const emojis = ['👍', '❤️', '🔥', '👎'];
      const results = await Promise.all(pieces.flatMap((piece) => emojis.map((emoji) => addRating(db.prisma, { pieceId: piece.id, user: newcomer, emoji }))));
      expect(results.every((r) => r.changed)).toBe(true);
      expect(await db.prisma.rating.count()).toBe(pieces.length * emojis.length);
      expect(await db.prisma.user.count({ where: { id: newcomer.id } })).toBe(1);
      expect(await db.prisma.guild.count()).toBe(1);
    });

    it('the unique constraint holds in SQL too', async () => {
      const piece = await createPiece(db.prisma, { style: 'folk', author: alice });
      await addRating(db.prisma, { pieceId: piece.id, user: bob, emoji: '🔥' });
      await expect(db.prisma.rating.create({ data: { pieceId: piece.id, userId: bob.id, emoji: '🔥' } })).rejects.toThrow();
    });

    it('foreign keys are enforced: deleting a piece removes its ratings and orphans its children', async () => {
      await expect(db.prisma.rating.create({ data: { pieceId: 999, userId: alice.id, emoji: '👍' } })).rejects.toThrow();
      const parent = await createPiece(db.prisma, { style: 'folk', author: alice });
      const child = await createPiece(db.prisma, { style: 'folk', author: bob, kind: 'variation', parentId: parent.id });
      await addRating(db.prisma, { pieceId: parent.id, user: bob, emoji: '👍' });
      await db.prisma.piece.delete({ where: { id: parent.id } });
      expect(await db.prisma.rating.count()).toBe(0);
      expect((await getPiece(db.prisma, child.id))?.parentId).toBeNull();
    });

    it('top this week vs all time, with configured weights and one capped vote per user', async () => {
      const now = Date.now();
      const old = await createPiece(db.prisma, { style: 'classical', guild, author: alice, createdAt: new Date(now - 30 * DAY) });
      const fresh = await createPiece(db.prisma, { style: 'folk', guild, author: alice, createdAt: new Date(now - 2 * DAY) });
      const disliked = await createPiece(db.prisma, { style: 'game', guild, author: bob, createdAt: new Date(now - DAY) });
      const otherGuild = await createPiece(db.prisma, { style: 'game', guild: { id: '999' }, author: bob, createdAt: new Date(now - DAY) });
      const rate = (pieceId: number, user: { id: string }, emoji: string) => addRating(db.prisma, { pieceId, user, emoji });
      // old: three users love it → 2 + 2 + 2 = 6
      for (const user of [alice, bob, carol]) await rate(old.id, user, '❤️');
      // fresh: bob stacks 👍 ❤️ 🔥 (1+2+2 = 5, capped at 2), carol 👍 (1), an unconfigured emoji counts 0 → 3
      await rate(fresh.id, bob, '👍');
      await rate(fresh.id, bob, '❤️');
      await rate(fresh.id, bob, '🔥');
      await rate(fresh.id, carol, '👍');
      await rate(fresh.id, alice, '🎉');
      // disliked: -1 -1 → not "top"
      await rate(disliked.id, bob, '👎');
      await rate(disliked.id, carol, '👎');
      await rate(otherGuild.id, carol, '👍');

      const allTime = await topRated(db.prisma, { weights, guildId: guild.id });
      expect(allTime.map((s) => [s.piece.id, s.score, s.voters])).toEqual([
        [old.id, 6, 3],
        [fresh.id, 3, 2],
      ]);
      const week = await topRated(db.prisma, { weights, guildId: guild.id, since: new Date(now - 7 * DAY) });
      expect(week.map((s) => [s.piece.id, s.score])).toEqual([[fresh.id, 3]]);
      expect((await topRated(db.prisma, { weights, since: new Date(now - 7 * DAY) })).map((s) => s.piece.id)).toEqual([fresh.id, otherGuild.id]);
      const withNegative = await topRated(db.prisma, { weights, guildId: guild.id, positiveOnly: false });
      expect(withNegative.at(-1)).toMatchObject({ score: -2, voters: 2 });
      expect(withNegative.at(-1)?.piece.id).toBe(disliked.id);
      // Fractional weights are not rounded.
      const halfWeights = new Map([['👍', 0.5]]);
      expect((await topRated(db.prisma, { weights: halfWeights, guildId: guild.id })).map((s) => [s.piece.id, s.score])).toEqual([[fresh.id, 1]]);
      // Removing reactions changes the ranking; excluded users (the bot) do not count.
      await removeRating(db.prisma, { pieceId: old.id, user: alice, emoji: '❤' });
      await removeRating(db.prisma, { pieceId: old.id, user: bob, emoji: '❤️' });
      expect((await topRated(db.prisma, { weights, guildId: guild.id })).map((s) => [s.piece.id, s.score])).toEqual([
        [fresh.id, 3],
        [old.id, 2],
      ]);
      expect((await topRated(db.prisma, { weights, guildId: guild.id, excludeUserIds: [bob.id] })).map((s) => [s.piece.id, s.score])).toEqual([
        [old.id, 2],
        [fresh.id, 1],
      ]);
      expect(await topRated(db.prisma, { weights, guildId: guild.id, limit: 1 })).toHaveLength(1);
      expect(await topRated(db.prisma, { weights: new Map() })).toEqual([]);
    });

    it('counts rating changes since a time (adds and removals)', async () => {
      const piece = await createPiece(db.prisma, { style: 'folk', guild, author: alice });
      const before = new Date(Date.now() - 1000);
      await addRating(db.prisma, { pieceId: piece.id, user: bob, emoji: '👍' });
      await addRating(db.prisma, { pieceId: piece.id, user: carol, emoji: '👍' });
      expect(await countRatingChangesSince(db.prisma, before)).toBe(2);
      expect(await countRatingChangesSince(db.prisma, before, { guildId: 'elsewhere' })).toBe(0);
      const mid = new Date();
      await new Promise((resolve) => setTimeout(resolve, 5));
      await removeRating(db.prisma, { pieceId: piece.id, user: bob, emoji: '👍' });
      expect(await countRatingChangesSince(db.prisma, mid)).toBe(1);
    });
  });

  describe('model versions and retrain runs', () => {
    it('one active version per scope; activation retires the previous; rollback re-activates', async () => {
      await ensureModelVersion(db.prisma, { name: 'base' });
      await ensureModelVersion(db.prisma, { name: 'base' });
      await activateModelVersion(db.prisma, 'base');
      await registerModelVersion(db.prisma, { name: 'ft-1', parentName: 'base', metrics: { nll: 2.1 }, cardPath: 'models/ft-1/card.json' });
      const { activated, retired } = await activateModelVersion(db.prisma, 'ft-1');
      expect(activated).toMatchObject({ name: 'ft-1', status: 'active', parentName: 'base', metrics: { nll: 2.1 } });
      expect(activated.activatedAt).toBeInstanceOf(Date);
      expect(retired.map((r) => r.name)).toEqual(['base']);
      expect((await getActiveModelVersion(db.prisma))?.name).toBe('ft-1');

      await registerModelVersion(db.prisma, { name: 'ft-2', parentName: 'ft-1' });
      await setModelStatus(db.prisma, 'ft-2', 'rejected', 'validation NLL +9 %');
      await expect(activateModelVersion(db.prisma, 'ft-2')).rejects.toThrow(/was rejected \(validation NLL \+9 %\)/);
      expect((await getActiveModelVersion(db.prisma))?.name).toBe('ft-1');

      await activateModelVersion(db.prisma, 'base'); // roll back
      const all = await listModelVersions(db.prisma);
      expect(Object.fromEntries(all.map((v) => [v.name, v.status]))).toEqual({ base: 'active', 'ft-1': 'retired', 'ft-2': 'rejected' });

      // A guild's own variant does not touch the global one; other guilds fall back to global.
      await registerModelVersion(db.prisma, { name: 'guild-ft', parentName: 'base', guildId: guild.id });
      await activateModelVersion(db.prisma, 'guild-ft');
      expect((await activeModelFor(db.prisma, guild.id))?.name).toBe('guild-ft');
      expect((await activeModelFor(db.prisma, 'another'))?.name).toBe('base');
      expect((await getActiveModelVersion(db.prisma))?.name).toBe('base');

      await expect(registerModelVersion(db.prisma, { name: 'ft-1' })).rejects.toThrow(/already exists/);
      await expect(registerModelVersion(db.prisma, { name: 'x', parentName: 'nope' })).rejects.toThrow(/not registered/);
      await expect(activateModelVersion(db.prisma, 'nope')).rejects.toThrow(/not registered/);
    });

    it('records retrain runs and fails the ones a killed process left running', async () => {
      const killed = await startRetrainRun(db.prisma, { baseModel: 'base', at: new Date(Date.now() - 60_000) });
      const done = await startRetrainRun(db.prisma, { baseModel: 'base', ratingsUsed: 12 });
      await finishRetrainRun(db.prisma, done.id, { status: 'rejected', candidate: 'ft-3', result: { nllRegression: 0.09 } });
      expect(await failInterruptedRetrainRuns(db.prisma, new Date(Date.now() - 1000))).toBe(1);
      const runs = await db.prisma.retrainRun.findMany({ orderBy: { id: 'asc' } });
      expect(runs.map((r) => [r.id, r.status])).toEqual([
        [killed.id, 'failed'],
        [done.id, 'rejected'],
      ]);
      expect(await lastRetrainRun(db.prisma, { status: 'rejected' })).toMatchObject({
        id: done.id,
        ratingsUsed: 12,
        candidate: 'ft-3',
        result: { nllRegression: 0.09 },
      });
    });
  });
});
