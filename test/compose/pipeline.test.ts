import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadComposer } from '../../src/compose/load-composer.js';
import { parseComposeOptions } from '../../src/compose/options.js';
import { buildRequest, composeToFiles, type ComposeProgress } from '../../src/compose/pipeline.js';
import { cutPiece, loadSeed } from '../../src/compose/seed-input.js';
import { parseMidi } from '../../src/midi/read.js';
import { writeMidi } from '../../src/midi/write.js';
import { createPiece, noteCount, pieceLengthBeats } from '../../src/music/piece.js';
import { demoPiece } from '../../src/render/demo-piece.js';
import { InvalidInputError, RhythmixError } from '../../src/util/errors.js';
import { HAVE_RENDER_TOOLS, probe } from '../render/audio-probe.js';
import { pngSize } from '../render/png.js';
import { ArpeggioTestComposer, SilentTestComposer } from './test-composer.js';

const projectRoot = path.resolve(import.meta.dirname, '../..');
const WORKER_BUILT = existsSync(path.join(projectRoot, 'dist/workers/render.js'));
const dir = mkdtempSync(path.join(os.tmpdir(), 'rhythmix-test-compose-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('seed input', () => {
  it('reads seed notation and rounds its length up to whole bars', async () => {
    const seedNotes = await loadSeed({ notation: 'C4q E4q G4h | C5q', seedBars: 4, tempo: 90 });
    expect(noteCount(seedNotes.piece)).toBe(4);
    expect(seedNotes.bars).toBe(2);
    expect(seedNotes.beats).toBe(8);
    expect(seedNotes.piece.tempos[0]?.bpm).toBe(90);
  });

  it('reports notation errors with the field and position', async () => {
    const error = (await loadSeed({ notation: 'C4q Q9', seedBars: 4 }).catch((e: unknown) => e)) as InvalidInputError;
    expect(error.field).toBe('seed');
    expect(error.message).toMatch(/^seed "C4q Q9": at 4/);
  });

  it('takes the first N bars of a MIDI file, cutting notes at the bar line', async () => {
    const file = path.join(dir, 'seed.mid');
    writeFileSync(file, writeMidi(demoPiece({ bars: 8 })));
    const seedNotes = await loadSeed({ midi: file, seedBars: 2 });
    expect(seedNotes.bars).toBe(2);
    expect(seedNotes.beats).toBe(8);
    expect(pieceLengthBeats(seedNotes.piece)).toBeLessThanOrEqual(8);
    expect(seedNotes.piece.tracks).toHaveLength(4);
    // More bars asked than the file has: the whole file.
    expect((await loadSeed({ midi: file, seedBars: 64 })).bars).toBe(8);
    const held = createPiece([{ name: 'x', program: 0, isDrum: false, notes: [{ pitch: 60, start: 3, duration: 4, velocity: 80 }] }]);
    expect(cutPiece(held, 4).tracks[0]?.notes[0]?.duration).toBe(1);
  });

  it('starts from nothing without a seed', async () => {
    const seedNotes = await loadSeed({ seedBars: 4 });
    expect(seedNotes).toMatchObject({ bars: 0, beats: 0 });
    expect(noteCount(seedNotes.piece)).toBe(0);
  });
});

describe('composition request', () => {
  it('converts seconds to whole bars at the tempo and resolves instruments and key', async () => {
    const seedNotes = await loadSeed({ seedBars: 4 });
    const request = buildRequest(parseComposeOptions({ seconds: 30, tempo: 120, instruments: ['piano', 'drums'], key: 'F#m' }), seedNotes);
    expect(request.bars).toBe(15); // 30 s / 2 s per 4/4 bar at 120 BPM
    expect(request.totalBeats).toBe(60);
    expect(request.instruments.map((i) => i.program)).toEqual([0, 0]);
    expect(request.instruments[1]?.isDrum).toBe(true);
    expect(request.key?.name).toBe('F# minor');
    expect(buildRequest(parseComposeOptions({ tracks: 3, style: 'classical' }), seedNotes).instruments.map((i) => i.name)).toEqual([
      'piano',
      'strings',
      'cello',
    ]);
  });

  it('refuses a length the seed already fills', async () => {
    const seedNotes = await loadSeed({ notation: 'C4w | D4w | E4w', seedBars: 4 });
    expect(() => buildRequest(parseComposeOptions({ bars: 3 }), seedNotes)).toThrow(/seed already fills 3/);
  });
});

describe('compose pipeline', () => {
  it('names a model that does not exist', async () => {
    await expect(loadComposer('no-such-model-here')).rejects.toThrow(/no-such-model-here/);
  });

  it('continues a seed with the bundled model, in key and to length', async () => {
    const composer = await loadComposer(undefined);
    expect(composer.model).toMatch(/rhythmix-base|jsb-bench/);
    const options = parseComposeOptions({ seed: 'C4q E4q G4h', style: 'classical', bars: 4, tempo: 100, key: 'C major', outDir: dir });
    const seedInput = await loadSeed({ notation: 'C4q E4q G4h', seedBars: 4, tempo: 100 });
    const request = buildRequest(options, seedInput);
    const seedNotes = seedInput.piece;
    const piece = await composer.compose(seedNotes, request, () => {}, undefined);
    expect(noteCount(piece)).toBeGreaterThan(noteCount(seedNotes));
    expect(pieceLengthBeats(piece)).toBeLessThanOrEqual(request.totalBeats + 1e-9);
    const firstNotes = piece.tracks[0]?.notes.slice(0, 3).map((n) => n.pitch);
    expect(firstNotes).toEqual([60, 64, 67]);
    const cMajor = new Set([0, 2, 4, 5, 7, 9, 11]);
    const pitched = piece.tracks.filter((t) => !t.isDrum).flatMap((t) => t.notes);
    expect(pitched.every((n) => cMajor.has(n.pitch % 12))).toBe(true);
  });

  it('starts a new piece with exactly the requested instruments, drums included', async () => {
    const composer = await loadComposer(undefined);
    const options = parseComposeOptions({ instruments: ['flute', 'bass', 'drums'], style: 'classical', bars: 2, outDir: dir });
    const seedInput = await loadSeed({ seedBars: 2, tempo: 120 });
    const request = buildRequest(options, seedInput);
    const piece = await composer.compose(seedInput.piece, { ...request, samplingSeed: 5 }, () => {}, undefined);
    expect(piece.tracks.map((t) => ({ program: t.program, isDrum: t.isDrum }))).toEqual(
      request.instruments.map((i) => ({ program: i.program, isDrum: i.isDrum })),
    );
    expect(piece.tracks.map((t) => t.name)).toEqual(request.instruments.map((i) => i.name));
    // No early <end>: the piece reaches its last requested bar.
    expect(pieceLengthBeats(piece)).toBeGreaterThan(request.totalBeats - request.totalBeats / request.bars);
  });

  it.skipIf(!HAVE_RENDER_TOOLS)('with onScoreLater writes piece.musicxml but leaves score.png to the caller', async () => {
    const out = path.join(dir, 'score-later');
    const previews: string[] = [];
    const summary = await composeToFiles(parseComposeOptions({ seed: 'C4q E4q G4q C5q', bars: 2, outDir: out, score: true }), {
      composer: new ArpeggioTestComposer(),
      renderIn: 'inline',
      onScoreLater: (preview) => previews.push(preview),
    });
    expect(summary.musicxml).toBe(path.join(out, 'piece.musicxml'));
    expect(summary.scorePng).toBeUndefined();
    expect(existsSync(path.join(out, 'score.png'))).toBe(false);
    expect(previews).toEqual([readFileSync(summary.musicxml!, 'utf8')]);
    // Without the callback the same compose engraves in the job, as the command line's --score does.
    const inJob = await composeToFiles(parseComposeOptions({ seed: 'C4q E4q G4q C5q', bars: 2, outDir: path.join(dir, 'score-now'), score: true }), {
      composer: new ArpeggioTestComposer(),
      renderIn: 'inline',
    });
    expect(inJob.scorePng && existsSync(inJob.scorePng)).toBe(true);
  });

  it.skipIf(!HAVE_RENDER_TOOLS)('writes piece.mid, piece.ogg and piece.png and summarises them', async () => {
    const composer = new ArpeggioTestComposer();
    const out = path.join(dir, 'piece-inline');
    const stages = new Set<ComposeProgress['stage']>();
    const summary = await composeToFiles(
      parseComposeOptions({ seed: 'C4q E4q G4q C5q', instruments: ['flute', 'bass'], bars: 6, tempo: 100, outDir: out, key: 'C major' }),
      { composer, renderIn: 'inline', onProgress: (p) => stages.add(p.stage) },
    );
    expect(summary).toMatchObject({
      midi: path.join(out, 'piece.mid'),
      audio: path.join(out, 'piece.ogg'),
      image: path.join(out, 'piece.png'),
      model: 'arpeggio-test-double',
      style: 'folk',
      bars: 6,
      tempo: 100,
      key: 'C major',
      seedBars: 1,
    });
    // The request the model saw: seed of one bar, six bars in all, the seed's track on the flute.
    expect(composer.requests[0]).toMatchObject({ bars: 6, seedBeats: 4, totalBeats: 24, bpm: 100 });
    expect(composer.seeds[0]?.tracks[0]?.program).toBe(73);
    const written = parseMidi(new Uint8Array(readFileSync(summary.midi)));
    expect(noteCount(written)).toBe(summary.notes);
    expect(summary.notes).toBe(4 + 2 * 20);
    expect(summary.tracks.map((t) => t.name)).toEqual([expect.any(String), 'flute', 'bass']);
    const audio = probe(summary.audio);
    expect(audio).toMatchObject({ codec: 'opus', sampleRate: 48_000, channels: 2 });
    expect(audio.seconds).toBeGreaterThanOrEqual(14.4 - 0.5); // 24 beats at 100 BPM
    expect(summary.seconds).toBeCloseTo(audio.seconds, 1);
    expect(pngSize(new Uint8Array(readFileSync(summary.image)))).toEqual({ width: 1200, height: 600 });
    expect([...stages]).toEqual(expect.arrayContaining(['seed', 'compose', 'midi', 'synthesis', 'encoding', 'image', 'done']));
  });

  it.skipIf(!HAVE_RENDER_TOOLS || !WORKER_BUILT)('renders on the worker thread by default', async () => {
    const out = path.join(dir, 'piece-worker');
    const summary = await composeToFiles(parseComposeOptions({ tracks: 3, style: 'game', bars: 4, outDir: out }), { composer: new ArpeggioTestComposer() });
    expect(summary.tracks.map((t) => t.isDrum)).toEqual([false, false, true]);
    expect(probe(summary.audio).codec).toBe('opus');
    expect(existsSync(summary.image)).toBe(true);
  });

  it.skipIf(!HAVE_RENDER_TOOLS)('reports a model that produced nothing, and bad options before composing', async () => {
    await expect(
      composeToFiles(parseComposeOptions({ outDir: path.join(dir, 'silent') }), { composer: new SilentTestComposer(), renderIn: 'inline' }),
    ).rejects.toThrow(RhythmixError);
    const composer = new ArpeggioTestComposer();
    await expect(composeToFiles(parseComposeOptions({ instruments: ['kazoo'] }), { composer })).rejects.toThrow(InvalidInputError);
    await expect(composeToFiles(parseComposeOptions({ bars: 512, tempo: 20 }), { composer })).rejects.toThrow(/render limit/);
    await expect(composeToFiles(parseComposeOptions({ soundfont: '/nonexistent.sf2' }), { composer })).rejects.toThrow(/soundfont/);
    expect(composer.requests).toHaveLength(0);
  });
});
