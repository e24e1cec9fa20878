/**
 * Originality end to end on this side of Discord: `rhythmix model index-originality` for a tiny
 * model trained on a slice (train/valid folders of MIDI files), `longest_copied_bars` in
 * `rhythmix compose --json`, and compose's re-sampling of a take forced to copy a training piece.
 * Needs `npm run build`; the compose runs need fluidsynth and ffmpeg; the Nottingham slice needs
 * ../shared/datasets (each skips cleanly without).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexOriginality } from '../../src/app/index-originality.js';
import type { Composer } from '../../src/compose/composer.js';
import { loadLstmComposer } from '../../src/compose/lstm-composer.js';
import { parseComposeOptions } from '../../src/compose/options.js';
import { composeToFiles } from '../../src/compose/pipeline.js';
import { datasetsRoot } from '../../src/datasets/paths.js';
import { parseMidi } from '../../src/midi/read.js';
import { writeMidi } from '../../src/midi/write.js';
import { loadOriginalityIndex } from '../../src/model/originality-file.js';
import { barCount, createPiece, slicePiece, transposePiece, type Piece } from '../../src/music/piece.js';
import { quantizePiece } from '../../src/music/quantize.js';
import { HAVE_RENDER_TOOLS } from '../render/audio-probe.js';
import { saveTinyModel } from '../compose/tiny-model.js';
import { randomMelody } from '../music/random-melody.js';
import { assertCliBuilt, runCli } from './run-cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rhythmix-originality-cli-'));
const slice = path.join(dir, 'folk-slice');
const model = path.join(dir, 'tiny-orig');
const bare = path.join(dir, 'tiny-bare');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Training piece `seed` of the slice: a melody over a bass line, 8 bars of 4/4. */
const slicePiece8 = (seed: number): Piece =>
  createPiece([
    { name: 'melody', program: 0, isDrum: false, notes: randomMelody(seed, 32) },
    { name: 'bass', program: 32, isDrum: false, notes: randomMelody(seed + 1000, 32, { low: 40 }) },
  ]);

beforeAll(async () => {
  assertCliBuilt();
  for (const [split, seeds] of [
    ['train', [1, 2, 3, 4, 5]],
    ['valid', [6]],
  ] as const) {
    mkdirSync(path.join(slice, split), { recursive: true });
    for (const seed of seeds) writeFileSync(path.join(slice, split, `tune${seed}.mid`), writeMidi(slicePiece8(seed)));
  }
  const data = { source: path.join(dir, 'no-shards'), datasets: [slice], styles: ['folk'], stepsPerQuarter: 4 };
  await saveTinyModel(model, 'tiny-orig', { card: { data } });
  await saveTinyModel(bare, 'tiny-bare', { card: { data } });
});

describe('rhythmix model index-originality', () => {
  it("indexes the train split of the card's data sets beside the model", () => {
    const { status, stdout, stderr } = runCli(['model', 'index-originality', model, '--json'], 60_000);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const summary = JSON.parse(stdout) as { file: string; pieces: number; datasets: string[]; split: string; ngrams: number; bytes: number };
    expect(summary).toMatchObject({ file: path.join(model, 'originality.bin'), pieces: 5, datasets: [slice], split: 'preset-rule' });
    expect(summary.ngrams).toBeGreaterThan(100);
    expect(existsSync(summary.file)).toBe(true);
  });

  it('finds a training piece in the index at its full length, transposed or not, and not the held-out one', async () => {
    const loaded = await loadOriginalityIndex(model);
    if (loaded.index === null) throw new Error(loaded.note);
    const stored = (name: string) => quantizePiece(parseMidi(new Uint8Array(readFileSync(path.join(slice, name))))).piece;
    expect(loaded.index.longestCopy(transposePiece(stored('train/tune3.mid'), 4))).toMatchObject({ bars: 8, piece: { id: 'folk-slice/train/tune3.mid' } });
    expect(loaded.index.longestCopiedBars(stored('valid/tune6.mid'))).toBeLessThan(2);
  });

  it('refuses a --shards folder without shards rather than guessing the split', () => {
    const { status, stderr } = runCli(['model', 'index-originality', model, '--shards', path.join(dir, 'nowhere')], 30_000);
    expect(status).toBe(2);
    expect(stderr).toMatch(/--shards .*nowhere holds no token shards/);
  });

  it('names what is missing when the folder holds no model card', () => {
    const { status, stderr } = runCli(['model', 'index-originality', path.join(dir, 'no-such-model')], 30_000);
    expect(status).not.toBe(0);
    expect(stderr).toMatch(/card\.json does not exist/);
  });
});

describe.skipIf(!HAVE_RENDER_TOOLS)('compose with the originality check', () => {
  it('prints longest_copied_bars in --json: a number with an index, null and why without one', () => {
    const composeJson = (m: string, out: string) => {
      const result = runCli(
        ['compose', '--model', m, '--style', 'folk', '--bars', '4', '--tracks', '1', '--sample-seed', '5', '--out', path.join(dir, out), '--json'],
        60_000,
      );
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      return JSON.parse(result.stdout) as {
        longest_copied_bars: number | null;
        originality: { attempts: number; note: string | null; copied_from: string | null };
      };
    };
    const indexed = composeJson(model, 'indexed');
    expect(typeof indexed.longest_copied_bars).toBe('number');
    expect(indexed.originality.attempts).toBeGreaterThanOrEqual(1);
    const unknown = composeJson(bare, 'bare');
    expect(unknown.longest_copied_bars).toBeNull();
    expect(unknown.originality).toEqual({ copied_from: null, attempts: 1, note: expect.stringMatching(/has no originality index/) });
  });

  it('re-samples a take the model itself copies from its training data; --allow-copies keeps it', async () => {
    type Json = { midi: string; sample_seed: number; longest_copied_bars: number | null; originality: { attempts: number; copied_from: string | null } };
    const run = (m: string, out: string, ...extra: string[]): Json => {
      const result = runCli(
        ['compose', '--model', m, '--style', 'folk', '--bars', '8', '--tracks', '1', '--sample-seed', '11', '--out', path.join(dir, out), '--json', ...extra],
        60_000,
      );
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      return JSON.parse(result.stdout) as Json;
    };
    // A model "trained" on what the same weights compose with sampling seed 11: that take is a copy.
    const first = run(bare, 'own-take', '--allow-copies');
    const own = path.join(dir, 'folk-own');
    mkdirSync(path.join(own, 'train'), { recursive: true });
    copyFileSync(first.midi, path.join(own, 'train', 'take11.mid'));
    const memorised = path.join(dir, 'tiny-memorised');
    await saveTinyModel(memorised, 'tiny-memorised', { card: { data: { source: 'none', datasets: [own], styles: ['folk'], stepsPerQuarter: 4 } } });
    expect(runCli(['model', 'index-originality', memorised], 60_000).status).toBe(0);
    const kept = run(memorised, 'kept', '--allow-copies');
    expect(kept.originality).toMatchObject({ attempts: 1, copied_from: 'folk-own/train/take11.mid' });
    expect(kept.longest_copied_bars).toBeGreaterThanOrEqual(4);
    expect(readFileSync(kept.midi)).toEqual(readFileSync(first.midi));
    const resampled = run(memorised, 'resampled');
    expect(resampled.originality.attempts).toBeGreaterThanOrEqual(2);
    expect(resampled.longest_copied_bars).toBeLessThan(4);
    expect(resampled.sample_seed).not.toBe(11);
  });

  /** The tiny model, except that its first take is training piece 2 (transposed), as a model that learnt it by heart would write it. */
  async function forcedCopy(): Promise<Composer & { takes: number }> {
    const real = await loadLstmComposer(model);
    const copy = transposePiece(slicePiece8(2), 2);
    const composer = {
      model,
      takes: 0,
      compose: async (...args: Parameters<Composer['compose']>) => (++composer.takes === 1 ? copy : real.compose(...args)),
    };
    return composer;
  }

  it('composes again when a take copies 4 bars or more, and the result says so', async () => {
    const composer = await forcedCopy();
    const options = parseComposeOptions({ style: 'folk', bars: 8, tracks: 1, samplingSeed: 9, outDir: path.join(dir, 'resampled'), model });
    const summary = await composeToFiles(options, { composer, renderIn: 'inline' });
    expect(composer.takes).toBeGreaterThanOrEqual(2);
    expect(summary.originality.attempts).toBe(composer.takes);
    expect(summary.longestCopiedBars).toBeLessThan(4);
    expect(summary.samplingSeed).not.toBe(9);
    expect(summary.originality.note).toMatch(/^composed again \d time.*: the first take shared 8 bars with folk-slice\/train\/tune2\.mid$/);
    // The files are the kept take's, not the copy.
    const written = parseMidi(new Uint8Array(readFileSync(summary.midi)));
    expect(written.tracks.flatMap((t) => t.notes).length).toBe(summary.notes);
  });

  it('keeps the copy with --allow-copies (allowCopies) and reports its length', async () => {
    const composer = await forcedCopy();
    const options = parseComposeOptions({ style: 'folk', bars: 8, tracks: 1, samplingSeed: 9, outDir: path.join(dir, 'allowed'), model, allowCopies: true });
    const summary = await composeToFiles(options, { composer, renderIn: 'inline' });
    expect(composer.takes).toBe(1);
    expect(summary).toMatchObject({ samplingSeed: 9, longestCopiedBars: 8, originality: { attempts: 1, copiedFrom: 'folk-slice/train/tune2.mid' } });
  });
});

const nottinghamTrain = path.join(datasetsRoot(), 'nottingham', 'train');

describe.skipIf(!existsSync(nottinghamTrain))('an index of a Nottingham slice (../shared/datasets)', () => {
  it('finds a training tune, and a transposed excerpt of it, at full length; a random melody scores low', async () => {
    const nottingham = path.join(dir, 'nottingham-slice');
    mkdirSync(path.join(nottingham, 'train'), { recursive: true });
    const files = readdirSync(nottinghamTrain)
      .filter((f) => f.endsWith('.mid'))
      .sort()
      .slice(0, 12);
    for (const file of files) copyFileSync(path.join(nottinghamTrain, file), path.join(nottingham, 'train', file));
    const sliceModel = path.join(dir, 'tiny-nottingham');
    await saveTinyModel(sliceModel, 'tiny-nottingham', { card: { data: { source: 'none', datasets: [nottingham], styles: ['folk'], stepsPerQuarter: 4 } } });
    const summary = await indexOriginality({ model: sliceModel });
    expect(summary.pieces).toBe(files.length);

    const loaded = await loadOriginalityIndex(sliceModel);
    if (loaded.index === null) throw new Error(loaded.note);
    const tune = quantizePiece(parseMidi(new Uint8Array(readFileSync(path.join(nottingham, 'train', files[3]!))))).piece;
    const whole = loaded.index.longestCopy(tune);
    expect(whole?.piece.id).toMatch(/\/train\//);
    // The whole tune up to its upbeat: within a bar of its length.
    expect(whole!.bars).toBeGreaterThan(barCount(tune) - 1);
    const excerpt = transposePiece(slicePiece(tune, 16, 48), -5);
    expect(loaded.index.longestCopiedBars(excerpt)).toBeGreaterThanOrEqual(7);
    const random = createPiece([{ name: 'm', program: 0, isDrum: false, notes: randomMelody(77, 64) }]);
    expect(loaded.index.longestCopiedBars(random)).toBeLessThan(2);
  });
});
