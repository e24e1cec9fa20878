import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRatingEmojis, ratingWeights } from '../../src/config/rating-emojis.js';
import { addRating, createPiece, getActiveModelVersion, listModelVersions, listRetrainRuns, openDatabase, type OpenedDatabase } from '../../src/db/index.js';
import { splitHeldOut } from '../../src/feedback/finetune-data.js';
import { validationNll } from '../../src/feedback/guardrail.js';
import { pieceSignals } from '../../src/feedback/signal.js';
import { runRetrain } from '../../src/app/retrain.js';
import { loadModel } from '../../src/model/model-files.js';
import { listModels, readCurrentPointer, setCurrentModel } from '../../src/model/registry.js';
import { Rng } from '../../src/model/rng.js';
import { melodyTokens, tinyWorld, type TinyWorld } from './fixtures.js';

const weights = ratingWeights(parseRatingEmojis('👍=1,👎=-1,❤️=2,🔥=2').emojis);
const fast = { epochs: 1, batchSize: 16, seqLen: 32, threads: 1, samples: 8, sampleBars: 4, learningRate: 1e-3 };

let world: TinyWorld;
let db: OpenedDatabase;

beforeAll(async () => {
  world = await tinyWorld();
  db = await openDatabase(`file:${path.join(world.root, 'test.db')}`);
}, 120_000);
afterAll(async () => {
  await db?.close();
  world?.cleanup();
});

async function ratePieces(count: number, center: number, emoji: string, user = { id: 'u1' }): Promise<void> {
  const rng = new Rng(center * 31 + count);
  for (let i = 0; i < count; i++) {
    const piece = await createPiece(db.prisma, { style: 'folk', tokens: melodyTokens(rng, center), guild: { id: 'g1' } });
    await addRating(db.prisma, { pieceId: piece.id, user, emoji });
  }
}

describe('runRetrain', () => {
  it('skips, recording nothing, when no piece is liked', async () => {
    await ratePieces(3, 60, '👎');
    const outcome = await runRetrain({ prisma: db.prisma, weights, modelsDir: world.modelsDir, baseModel: world.baseName, settings: fast });
    expect(outcome.status).toBe('skipped');
    expect(outcome.version).toBeNull();
    expect(await listRetrainRuns(db.prisma)).toHaveLength(0);
    expect((await listModels(world.modelsDir)).map((m) => m.name)).toEqual([world.baseName]);
  });

  it('keeps a candidate that fails the guardrail as rejected, with the reason, and leaves the current model', async () => {
    await ratePieces(6, 72, '👍');
    await setCurrentModel(world.baseName, { modelsDir: world.modelsDir });
    const pointer = readFileSync(path.join(world.modelsDir, 'current.json'), 'utf8');
    // An impossible bound (the NLL would have to drop to zero) forces a rejection.
    const outcome = await runRetrain({ prisma: db.prisma, weights, modelsDir: world.modelsDir, settings: { ...fast, maxRegression: -1 } });
    expect(outcome.status).toBe('rejected');
    expect(outcome.reason).toMatch(/validation NLL .* worse than the reference/);
    expect(outcome.parent).toBe(world.baseName);
    expect(readFileSync(path.join(world.modelsDir, 'current.json'), 'utf8')).toBe(pointer);
    const entry = (await listModels(world.modelsDir)).find((m) => m.name === outcome.version)!;
    expect(entry.status).toBe('rejected');
    expect(entry.parent).toBe(world.baseName);
    expect(entry.card?.ratingsUsed).toBe(outcome.ratingsUsed);
    expect(entry.card?.reason).toBe(outcome.reason);
    const runs = await listRetrainRuns(db.prisma);
    expect(runs[0]).toMatchObject({ status: 'rejected', candidate: outcome.version, baseModel: world.baseName });
    expect(runs[0]!.result?.reason).toBe(outcome.reason);
    const versions = await listModelVersions(db.prisma);
    expect(versions.find((v) => v.name === outcome.version)).toMatchObject({ status: 'rejected', parentName: world.baseName });
    await expect(setCurrentModel(outcome.version!, { modelsDir: world.modelsDir })).rejects.toThrow(/rejected/);
  });

  it('accepts a candidate within the bounds, publishes it with its card and switches the pointer', async () => {
    const outcome = await runRetrain({ prisma: db.prisma, weights, modelsDir: world.modelsDir, settings: { ...fast, maxRegression: 0.5 } });
    // The guardrail is real: if the tiny model's samples left the data's range this would say why.
    expect(outcome.reason).not.toMatch(/outside|no notes/);
    expect(outcome.status).toBe('accepted');
    expect(outcome.activated).toBe(true);
    expect(outcome.candidateNll! / outcome.referenceNll! - 1).toBeLessThanOrEqual(0.5);
    expect(readCurrentPointer(world.modelsDir)).toMatchObject({ model: outcome.version, previous: world.baseName });
    const loaded = await loadModel(path.join(world.modelsDir, outcome.version!));
    // The reported NLL is the published model's exact NLL on the held-out original pieces.
    expect(validationNll(loaded, world.valid)).toBeCloseTo(outcome.candidateNll!, 4);
    expect(loaded.card).toMatchObject({ status: 'accepted', parent: world.baseName });
    expect(loaded.card?.metrics).toMatchObject({ referenceModel: world.baseName });
    expect((loaded.card?.feedback as { likedPieces: number }).likedPieces).toBe(6);
    expect(existsSync(path.join(world.modelsDir, outcome.version!, 'checkpoint'))).toBe(false);
    expect((await getActiveModelVersion(db.prisma))?.name).toBe(outcome.version);
    expect((await listRetrainRuns(db.prisma))[0]).toMatchObject({ status: 'accepted', candidate: outcome.version });
    // Roll back: the old model serves again.
    await setCurrentModel(world.baseName, { modelsDir: world.modelsDir });
    expect(readCurrentPointer(world.modelsDir)?.model).toBe(world.baseName);
  });

  it('with preferenceHoldout, trains without the held-out rated pieces and measures the preference on them', async () => {
    // Enough rated pieces that a third held out keeps liked and disliked ones on both sides.
    await ratePieces(12, 72, '👍', { id: 'u2' });
    await ratePieces(12, 60, '👎', { id: 'u2' });
    const share = 1 / 3;
    const outcome = await runRetrain({
      prisma: db.prisma,
      weights,
      modelsDir: world.modelsDir,
      settings: { ...fast, maxRegression: 0.5, preferenceHoldout: share },
    });
    // Accepted or not (the tiny model's guardrail decides), the candidate's card records how it was chosen.
    expect(outcome.version).not.toBeNull();
    const card = (await loadModel(path.join(world.modelsDir, outcome.version!))).card!;
    const signals = await pieceSignals(db.prisma, { weights });
    const { fit, heldOut } = splitHeldOut(signals, share);
    expect(heldOut.length).toBeGreaterThan(0);
    const count = (list: typeof signals, liked: boolean) => list.filter((s) => (liked ? s.score > 0 : s.score < 0)).length;
    // The held-out pieces were not trained on…
    expect((card.feedback as { likedPieces: number }).likedPieces).toBe(count(fit, true));
    // …and the checkpoints' preference was measured on exactly them.
    expect((card.metrics as { preferenceMeasuredOn: unknown }).preferenceMeasuredOn).toEqual({
      pieces: 'held-out',
      liked: count(heldOut, true),
      disliked: count(heldOut, false),
    });
    expect((card.feedback as { method: string }).method).toMatch(/held out/);
    await setCurrentModel(world.baseName, { modelsDir: world.modelsDir });
  });
});
