/**
 * Takes: every compose samples with a sampling seed — the one asked for (`samplingSeed`,
 * `--sample-seed`), else a fresh random one — and reports it. The same sampling seed and options
 * write the same MIDI file byte for byte; without one, each compose is a new piece.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compose as composeUseCase } from '../../src/app/compose.js';
import { MAX_SAMPLING_SEED, parseComposeOptions } from '../../src/compose/options.js';
import { takeFolder, takeSamplingSeed } from '../../src/compose/takes.js';
import { InvalidInputError } from '../../src/util/errors.js';
import { buildRequest, composeToFiles, type ComposeSummary } from '../../src/compose/pipeline.js';
import { LstmComposer } from '../../src/compose/lstm-composer.js';
import { loadSeed } from '../../src/compose/seed-input.js';
import { parseMidi } from '../../src/midi/read.js';
import { Generator } from '../../src/model/generator.js';
import type { Piece } from '../../src/music/piece.js';
import { HAVE_RENDER_TOOLS } from '../render/audio-probe.js';
import { saveTinyModel } from './tiny-model.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rhythmix-takes-'));
const modelDir = path.join(dir, 'model');
let composer: LstmComposer;

beforeAll(async () => {
  await saveTinyModel(modelDir);
  composer = new LstmComposer('tiny-takes', await Generator.load(modelDir));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every note as "track:pitch@start+duration", in order. */
const notesOf = (piece: Piece): string[] => piece.tracks.flatMap((t, i) => t.notes.map((n) => `${i}:${n.pitch}@${n.start}+${n.duration}`));

describe('sampling seeds in the composer', () => {
  it('composes the same piece for the same sampling seed and another for another', async () => {
    const seedNotes = await loadSeed({ notation: 'C4q E4q G4h', seedBars: 4 });
    const request = buildRequest(parseComposeOptions({ seed: 'C4q E4q G4h', style: 'folk', bars: 4 }), seedNotes);
    const take = (samplingSeed: number) => composer.compose(seedNotes.piece, { ...request, samplingSeed }, () => {});
    const [a, again, b] = [await take(11), await take(11), await take(12)];
    expect(notesOf(again)).toEqual(notesOf(a));
    expect(notesOf(b)).not.toEqual(notesOf(a));
    // Both keep the seed notes: only the composed part differs.
    for (const piece of [a, b]) expect(piece.tracks[0]!.notes.slice(0, 3).map((n) => n.pitch)).toEqual([60, 64, 67]);
  });

  it("adds nothing inside the seed notes' bars, trailing rests included (a Variation keeps its theme as is)", async () => {
    const seedNotes = await loadSeed({ notation: 'C4q E4q rh', seedBars: 4 });
    expect(seedNotes).toMatchObject({ bars: 1, beats: 4 });
    const request = buildRequest(parseComposeOptions({ seed: 'C4q E4q rh', style: 'folk', bars: 3 }), seedNotes);
    for (let samplingSeed = 1; samplingSeed <= 8; samplingSeed++) {
      const piece = await composer.compose(seedNotes.piece, { ...request, samplingSeed }, () => {});
      const inSeed = piece.tracks.flatMap((t) => t.notes).filter((n) => n.start < 4);
      expect(inSeed.map((n) => `${n.pitch}@${n.start}`).sort()).toEqual(['60@0', '64@1']);
    }
  });
});

describe.skipIf(!HAVE_RENDER_TOOLS)('sampling seeds through composeToFiles', () => {
  const compose = (name: string, extra: Record<string, unknown> = {}): Promise<ComposeSummary> =>
    composeToFiles(parseComposeOptions({ style: 'folk', bars: 4, tracks: 1, outDir: path.join(dir, name), ...extra }), { composer, renderIn: 'inline' });
  const midiBytes = (summary: ComposeSummary) => readFileSync(summary.midi);

  it('writes byte-identical MIDI for the same sampling seed and options, and reports the seed', async () => {
    const first = await compose('seeded-1', { samplingSeed: 7 });
    const second = await compose('seeded-2', { samplingSeed: 7 });
    expect(first.samplingSeed).toBe(7);
    expect(second.samplingSeed).toBe(7);
    expect(first.notes).toBeGreaterThan(0);
    expect(midiBytes(second).equals(midiBytes(first))).toBe(true);
  });

  it('draws a new sampling seed for each compose that names none, so the notes differ', async () => {
    const first = await compose('random-1');
    const second = await compose('random-2');
    for (const s of [first, second]) {
      expect(Number.isInteger(s.samplingSeed)).toBe(true);
      expect(s.samplingSeed).toBeGreaterThanOrEqual(0);
      expect(s.samplingSeed).toBeLessThanOrEqual(2 ** 31 - 1);
    }
    expect(second.samplingSeed).not.toBe(first.samplingSeed);
    const notes = (s: ComposeSummary) => notesOf(parseMidi(new Uint8Array(midiBytes(s))));
    expect(notes(second)).not.toEqual(notes(first));
    // The reported seed makes the take again.
    const replay = await compose('random-1-again', { samplingSeed: first.samplingSeed });
    expect(midiBytes(replay).equals(midiBytes(first))).toBe(true);
  });
});

describe('two takes of one request (takes: 2)', () => {
  it('asks for 1 or 2 takes, 1 by default, and refuses two greedy takes (they would be the same piece)', () => {
    expect(parseComposeOptions({}).takes).toBe(1);
    expect(parseComposeOptions({ takes: 2 }).takes).toBe(2);
    for (const bad of [0, 3, 1.5]) expect(() => parseComposeOptions({ takes: bad })).toThrow(/^takes: /);
    expect(() => parseComposeOptions({ takes: 2, temperature: 0 })).toThrow(InvalidInputError);
    expect(() => parseComposeOptions({ takes: 2, temperature: 0 })).toThrow('two takes at temperature 0 would be the same piece — raise the temperature');
    expect(parseComposeOptions({ takes: 1, temperature: 0 }).temperature).toBe(0);
  });

  it("samples take B with take A's sampling seed + 1, wrapping to 0, in take-a/ and take-b/", () => {
    expect([0, 1].map((i) => takeSamplingSeed(40, i))).toEqual([40, 41]);
    expect(takeSamplingSeed(MAX_SAMPLING_SEED, 1)).toBe(0);
    expect([0, 1].map(takeFolder)).toEqual(['take-a', 'take-b']);
    expect(() => takeFolder(2)).toThrow(RangeError);
  });

  it.skipIf(!HAVE_RENDER_TOOLS)("composes both takes with the model loaded once; they differ, and take B's seed makes B again alone", async () => {
    const outDir = path.join(dir, 'two-takes');
    let loads = 0;
    const loadComposer = () => (loads++, Promise.resolve(composer));
    const base = { style: 'folk', bars: 4, tracks: 1, outDir };
    const result = await composeUseCase({ ...base, takes: 2, samplingSeed: 40 }, { loadComposer, renderIn: 'inline' });
    expect(loads).toBe(1);
    const takes = result.takes!;
    expect(takes.map((t) => [t.take, t.samplingSeed])).toEqual([
      ['A', 40],
      ['B', 41],
    ]);
    expect(takes.map((t) => path.relative(outDir, t.midi))).toEqual([path.join('take-a', 'piece.mid'), path.join('take-b', 'piece.mid')]);
    // The summary's own keys are take A's.
    expect(result).toMatchObject({ midi: takes[0]!.midi, samplingSeed: 40 });
    expect(result).not.toHaveProperty('take');
    const notes = (s: ComposeSummary) => notesOf(parseMidi(new Uint8Array(midiBytes(s))));
    expect(notes(takes[1]!)).not.toEqual(notes(takes[0]!));
    const again = await composeUseCase({ ...base, outDir: path.join(dir, 'take-b-again'), samplingSeed: 41 }, { composer, renderIn: 'inline' });
    expect(again).not.toHaveProperty('takes');
    expect(midiBytes(again).equals(midiBytes(takes[1]!))).toBe(true);
  });
});

const midiBytes = (summary: ComposeSummary) => readFileSync(summary.midi);
