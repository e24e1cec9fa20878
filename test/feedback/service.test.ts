/**
 * FeedbackService: the schedule's rating threshold, one retrain at a time, events, switching —
 * and a hot swap: compose-style model loads keep succeeding while a retrain runs in its child
 * process, and the first load after an accepted retrain gets the new version.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModel } from '../../src/compose/lstm-composer.js';
import { parseRatingEmojis, ratingWeights } from '../../src/config/rating-emojis.js';
import { parseRetrainSchedule } from '../../src/config/retrain-schedule.js';
import { addRating, createPiece, getActiveModelVersion, openDatabase, type OpenedDatabase } from '../../src/db/index.js';
import { retrainInChild } from '../../src/feedback/retrain-child.js';
import { runRetrain, type RetrainOutcome } from '../../src/app/retrain.js';
import { announcement, FeedbackService, type FeedbackServiceOptions } from '../../src/feedback/service.js';
import { Generator } from '../../src/model/generator.js';
import { readCurrentPointer, setCurrentModel } from '../../src/model/registry.js';
import { Rng } from '../../src/model/rng.js';
import { projectRoot } from '../cli/run-cli.js';
import { melodyTokens, tinyWorld, type TinyWorld } from './fixtures.js';

const weights = ratingWeights(parseRatingEmojis('👍=1,👎=-1,❤️=2,🔥=2').emojis);
const settings = { epochs: 1, threads: 1, samples: 6, sampleBars: 4, maxRegression: 0.5 };
const childBuilt = existsSync(path.join(projectRoot, 'dist/workers/retrain.js'));
let world: TinyWorld;
let db: OpenedDatabase;
const savedModelsDir = process.env.RHYTHMIX_MODELS_DIR;

beforeAll(async () => {
  world = await tinyWorld({ epochs: 12 });
  db = await openDatabase(`file:${path.join(world.root, 'bot.db')}`);
  const rng = new Rng(9);
  for (let i = 0; i < 6; i++) {
    const piece = await createPiece(db.prisma, { style: 'folk', tokens: melodyTokens(rng, 72), guild: { id: 'g1' } });
    await addRating(db.prisma, { pieceId: piece.id, user: { id: `u${i}` }, emoji: '👍' });
    await addRating(db.prisma, { pieceId: piece.id, user: { id: 'bot' }, emoji: '👍' });
  }
  await setCurrentModel(world.baseName, { modelsDir: world.modelsDir });
  process.env.RHYTHMIX_MODELS_DIR = world.modelsDir;
}, 120_000);
afterAll(async () => {
  if (savedModelsDir === undefined) delete process.env.RHYTHMIX_MODELS_DIR;
  else process.env.RHYTHMIX_MODELS_DIR = savedModelsDir;
  await db?.close();
  world?.cleanup();
});

function service(minRatings: number, extra: Partial<FeedbackServiceOptions> = {}): FeedbackService {
  return new FeedbackService({
    db,
    config: { ratingWeights: weights, retrain: { schedule: { kind: 'off' }, minRatings } },
    modelsDir: world.modelsDir,
    excludeUserIds: ['bot'],
    data: [world.shardsDir],
    settings,
    runner: async (input, options) =>
      runRetrain({
        prisma: db.prisma,
        weights: new Map(input.weights),
        modelsDir: input.modelsDir,
        ...(input.data ? { data: input.data } : {}),
        ...(input.guildId ? { guildId: input.guildId } : {}),
        ...(input.excludeUserIds ? { excludeUserIds: input.excludeUserIds } : {}),
        ...(input.settings ? { settings: input.settings } : {}),
        ...options,
      }),
    ...extra,
  });
}

describe('FeedbackService', () => {
  it('waits for enough new ratings, then retrains once and emits the verdict', async () => {
    expect(await service(100).tick()).toEqual([]);
    // Six users' 👍 count; the bot's own reactions (excluded) do not.
    expect(await service(7).tick()).toEqual([]);
    const feedback = service(6);
    expect(await feedback.newRatings()).toBe(6);
    const events: Array<[string, RetrainOutcome]> = [];
    feedback.on('accepted', (o) => events.push(['accepted', o]));
    feedback.on('rejected', (o) => events.push(['rejected', o]));
    const ticked = feedback.tick();
    while (!feedback.busy) await new Promise((resolve) => setTimeout(resolve, 10));
    await expect(feedback.retrainNow({ trigger: 'test' })).rejects.toThrow(/already running/);
    const [outcome] = await ticked;
    if (!outcome) throw new Error('the tick did not retrain');
    expect(events).toEqual([[outcome.status, outcome]]);
    // The bot's own reactions are not votes: six liked pieces, one rating each.
    expect(outcome.ratingsUsed).toBe(6);
    expect(announcement(outcome)).toContain(outcome.version!);
    // The ratings are now used: no new ones since this run started.
    expect(await feedback.newRatings()).toBe(0);
    expect(await feedback.tick()).toEqual([]);
  }, 120_000);

  it('switches models, records the switch and lists versions', async () => {
    const feedback = service(1);
    const switched: string[] = [];
    feedback.on('switched', (p) => switched.push(p.model));
    await feedback.useModel(world.baseName, { by: 'admin' });
    expect(switched).toEqual([world.baseName]);
    expect(feedback.currentModel()).toBe(world.baseName);
    expect((await getActiveModelVersion(db.prisma))?.name).toBe(world.baseName);
    const rows = await feedback.listModels();
    expect(rows.find((r) => r.current)?.name).toBe(world.baseName);
    await expect(feedback.useModel('missing')).rejects.toThrow(/no model version/);
  });

  it("fine-tunes a guild's own variant from its ratings without moving the global model", async () => {
    const rng = new Rng(13);
    for (let i = 0; i < 3; i++) {
      const piece = await createPiece(db.prisma, { style: 'folk', tokens: melodyTokens(rng, 60), guild: { id: 'g2' } });
      await addRating(db.prisma, { pieceId: piece.id, user: { id: 'u1' }, emoji: '👍' });
    }
    const feedback = service(1000, { guildMinRatings: 3 });
    const global = readCurrentPointer(world.modelsDir)?.model;
    expect(await feedback.newRatings('g2')).toBe(3);
    const outcomes = await feedback.tick();
    const variant = outcomes.find((o) => o.version?.includes('-gg2-'));
    if (!variant) throw new Error(`no g2 variant in ${JSON.stringify(outcomes.map((o) => o.version))}`);
    expect(variant.likedPieces).toBe(3);
    expect(variant.activated).toBe(false);
    expect(readCurrentPointer(world.modelsDir)?.model).toBe(global);
    expect(await feedback.modelForGuild('g2')).toBe(variant.status === 'accepted' ? path.join(world.modelsDir, variant.version!) : undefined);
    expect(await feedback.modelForGuild('g-other')).toBeUndefined();
    expect(await feedback.modelForGuild(null)).toBeUndefined();
  }, 120_000);

  it('schedules by cron expression or interval and stops cleanly', async () => {
    const cron = new FeedbackService({
      db,
      config: { ratingWeights: weights, retrain: { schedule: parseRetrainSchedule('0 4 * * *')!, minRatings: 5 } },
      modelsDir: world.modelsDir,
    });
    cron.start();
    const next = cron.nextRun()!;
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(next.getMinutes()).toBe(0);
    expect(next.getHours()).toBe(4);
    await cron.stop();
    const every = new FeedbackService({
      db,
      config: { ratingWeights: weights, retrain: { schedule: parseRetrainSchedule('12h')!, minRatings: 5 } },
      modelsDir: world.modelsDir,
    });
    every.start();
    expect(every.nextRun()!.getTime() - Date.now()).toBeGreaterThan(11.9 * 3600_000);
    await every.stop();
    // Another process runs the schedule (shard 0 of a sharded bot): this one keeps none.
    const elsewhere = new FeedbackService({
      db,
      config: { ratingWeights: weights, retrain: { schedule: parseRetrainSchedule('12h')!, minRatings: 5 } },
      modelsDir: world.modelsDir,
    });
    elsewhere.start({ schedule: false });
    expect(elsewhere.nextRun()).toBeNull();
    await elsewhere.stop();
    const off = service(5);
    off.start();
    expect(off.nextRun()).toBeNull();
    await off.stop();
  });

  it.skipIf(!childBuilt)(
    'keeps serving model loads during a retrain in a child process and swaps after it',
    async () => {
      const rng = new Rng(11);
      for (let i = 0; i < 4; i++) {
        const piece = await createPiece(db.prisma, { style: 'folk', tokens: melodyTokens(rng, 72), guild: { id: 'g1' } });
        await addRating(db.prisma, { pieceId: piece.id, user: { id: 'u9' }, emoji: '❤️' });
      }
      await setCurrentModel(world.baseName, { modelsDir: world.modelsDir });
      const feedback = service(1, { runner: retrainInChild });
      const retrain = feedback.retrainNow({ trigger: 'test' });
      let served = 0;
      let failed = 0;
      let done = false;
      void retrain.finally(() => (done = true));
      // What a compose job does at its start: resolve the default model and load it, then sample.
      while (!done) {
        try {
          const generator = await Generator.load(defaultModel());
          generator.generate({ prefix: generator.stylePrefix('folk'), maxTokens: 20, samplingSeed: served });
          served++;
        } catch {
          failed++;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const outcome = await retrain;
      expect(failed).toBe(0);
      expect(served).toBeGreaterThan(0);
      const expected = outcome.status === 'accepted' ? outcome.version : world.baseName;
      expect(defaultModel()).toBe(expected);
      expect(readCurrentPointer(world.modelsDir)?.model).toBe(expected);
      expect((await Generator.load(defaultModel())).model.dir).toBe(path.join(world.modelsDir, expected!));
    },
    120_000,
  );
});
