/**
 * Meter and form (docs/form.md) through the real composer: the header's meter is the requested
 * one and bars have its length; a returning section restates its first statement note for note;
 * the last bar closes on the tonic chord; bad values are InvalidInputErrors naming the field.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkComposeInput } from '../../src/app/compose.js';
import type { CompositionRequest } from '../../src/compose/composer.js';
import { LstmComposer } from '../../src/compose/lstm-composer.js';
import { parseComposeOptions } from '../../src/compose/options.js';
import { buildRequest, parseMeter } from '../../src/compose/pipeline.js';
import { cutPiece, loadSeed } from '../../src/compose/seed-input.js';
import { Generator } from '../../src/model/generator.js';
import { modelsDirectory } from '../../src/model/model-files.js';
import { tonicTriad } from '../../src/music/key.js';
import type { Piece } from '../../src/music/piece.js';
import { TokenStreamState } from '../../src/music/token-stream.js';
import { DEFAULT_VOCABULARY } from '../../src/music/vocabulary.js';
import { InvalidInputError } from '../../src/util/errors.js';
import { saveTinyModel } from './tiny-model.js';

const bundled = existsSync(path.join(modelsDirectory(), 'rhythmix-base', 'model.json'));

/** The notes starting in bars [from, to) as "track:pitch@offset+duration", offsets from the first bar's start. */
function sectionNotes(piece: Piece, barBeats: number, from: number, to: number): string[] {
  return piece.tracks
    .flatMap((track, t) =>
      track.notes
        .filter((n) => n.start >= from * barBeats - 1e-9 && n.start < to * barBeats - 1e-9)
        .map((n) => `${t}:${n.pitch}@${+(n.start - from * barBeats).toFixed(4)}+${+n.duration.toFixed(4)}`),
    )
    .sort();
}

async function plan(input: Record<string, unknown>): Promise<{ seed: Awaited<ReturnType<typeof loadSeed>>; request: CompositionRequest }> {
  const options = parseComposeOptions(input);
  const seed = await loadSeed({
    notation: options.seed,
    seedBars: options.seedBars,
    meter: options.meter === undefined ? undefined : parseMeter(options.meter),
  });
  return { seed, request: buildRequest(options, seed) };
}

/** Pitched notes starting in the last bar, and the pitch classes of those at its final onset. */
function closing(piece: Piece, request: CompositionRequest): { lastBar: number[]; finalOnset: number[] } {
  const barBeats = request.totalBeats / request.bars;
  const notes = piece.tracks.filter((t) => !t.isDrum).flatMap((t) => t.notes.filter((n) => n.start >= request.totalBeats - barBeats - 1e-9));
  const last = Math.max(...notes.map((n) => n.start));
  return { lastBar: notes.map((n) => n.pitch % 12), finalOnset: notes.filter((n) => n.start === last).map((n) => n.pitch % 12) };
}

function expectFormKept(piece: Piece, request: CompositionRequest): void {
  const barBeats = request.totalBeats / request.bars;
  const first = sectionNotes(piece, barBeats, 0, 4);
  expect(first.length).toBeGreaterThan(0);
  // The second A is the first note for note; the last A too, but for its last bar (the cadence).
  expect(sectionNotes(piece, barBeats, 4, 8)).toEqual(first);
  expect(sectionNotes(piece, barBeats, 12, 15)).toEqual(sectionNotes(piece, barBeats, 0, 3));
  // Phrases end at section boundaries: nothing of a section sounds into the next one.
  for (const section of [0, 1, 2]) {
    const end = (section + 1) * 4 * barBeats;
    const crossing = piece.tracks
      .flatMap((t) => t.notes)
      .filter((n) => n.start >= section * 4 * barBeats - 1e-9 && n.start < end - 1e-9 && n.start + n.duration > end + 1e-9);
    expect(crossing).toEqual([]);
  }
  expect(piece.key).toBeDefined();
  const triad = tonicTriad(piece.key!);
  const { lastBar, finalOnset } = closing(piece, request);
  expect(finalOnset.length).toBeGreaterThan(0);
  for (const pitchClass of lastBar) expect(triad).toContain(pitchClass);
}

describe('meter', () => {
  it('the grammar lets a 3/4 bar reach positions 1–11 only, and a 6/8 bar 1–11 as well, a 2/4 bar 1–7', () => {
    for (const [meter, steps] of [
      ['3/4', 12],
      ['6/8', 12],
      ['2/4', 8],
    ] as const) {
      const state = new TokenStreamState({ constraints: { meter: parseMeter(meter) } });
      const v = DEFAULT_VOCABULARY;
      state.push(v.startId);
      state.push(v.styleId('folk'));
      const header = state.allowed();
      const meters = [...header.keys()].filter((id) => header[id] === 1 && v.kind(id) === 'meter').map((id) => v.name(id));
      expect(meters).toEqual([`meter:${meter}`]);
      state.push(v.meterId(parseMeter(meter))!);
      state.push(v.first('program'));
      const positions = [...state.allowed().keys()].filter((id) => state.allowed()[id] === 1 && v.kind(id) === 'position').map((id) => v.offset(id) + 1);
      expect(positions).toEqual(Array.from({ length: steps - 1 }, (_, i) => i + 1));
    }
  });

  it('measures the piece in bars of the meter and refuses unknown meters and seeds in another meter', async () => {
    expect((await plan({ meter: '3/4', bars: 16 })).request).toMatchObject({ totalBeats: 48, timeSignature: { numerator: 3, denominator: 4 } });
    expect((await plan({ meter: '6/8', bars: 8 })).request).toMatchObject({ totalBeats: 24, timeSignature: { numerator: 6, denominator: 8 } });
    // A seed without a meter of its own is written in the requested one.
    expect((await plan({ meter: '3/4', seed: 'C4q E4q G4q | C5h.', bars: 8 })).seed.bars).toBe(2);
    await expect(plan({ meter: '3/4', seed: '4/4 C4q E4q G4q C5q', bars: 8 })).rejects.toMatchObject({ field: 'meter' });
    await expect(checkComposeInput({ meter: '3/4', seed: '4/4 C4w' })).rejects.toThrow(/seed notes are in 4\/4 but meter asks for 3\/4/);
    for (const bad of ['7/3', 'waltz', '3/5']) {
      expect(() => parseComposeOptions({ meter: bad })).toThrow(InvalidInputError);
      expect(() => parseComposeOptions({ meter: bad })).toThrow(/^meter ".*" is not a meter the model knows: use one of 2\/2, .*3\/4.*6\/8/);
    }
    expect(parseComposeOptions({ meter: ' 6 / 8 ' }).meter).toBe('6/8');
  });
});

describe('form options', () => {
  it('rounds the bars down to whole sections and refuses what is no form', async () => {
    expect((await plan({ form: 'ABA', bars: 16 })).request.bars).toBe(15);
    expect((await plan({ form: 'AABA', meter: '3/4', bars: 16 })).request).toMatchObject({ bars: 16, totalBeats: 48 });
    expect(() => parseComposeOptions({ form: 'ABCZ' })).toThrow(/^form "ABCZ" is not a form: use letters such as AABA/);
    try {
      parseComposeOptions({ form: 'BA' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe('form');
    }
  });
});

describe.skipIf(!bundled)('form with rhythmix-base', () => {
  let composer: LstmComposer;
  beforeAll(async () => {
    composer = new LstmComposer('rhythmix-base', await Generator.load('rhythmix-base'));
  });

  it("AABA in 3/4 and 6/8: the A sections repeat note for note, bars are the meter's, the last bar is the tonic chord", async () => {
    for (const meter of ['3/4', '6/8']) {
      for (const samplingSeed of [1, 2, 3]) {
        const { seed, request } = await plan({ style: 'folk', meter, form: 'AABA', bars: 16, samplingSeed });
        const piece = await composer.compose(seed.piece, request, () => {});
        expect(piece.timeSignatures.map((t) => `${t.numerator}/${t.denominator}`)).toEqual([meter]);
        expect(request.totalBeats).toBe(48);
        expectFormKept(piece, request);
      }
    }
  });

  it('a seed is the first A and comes back as the second', async () => {
    const { seed, request } = await plan({ style: 'folk', seed: 'D4q F#4q A4q | B4h A4q | G4q E4q C#4q | D4h.', form: 'AABA', meter: '3/4', samplingSeed: 9 });
    const piece = await composer.compose(seed.piece, request, () => {});
    expectFormKept(piece, request);
    expect(sectionNotes(piece, 3, 0, 4).filter((n) => n.startsWith('0:'))).toEqual(
      ['0:62@0+1', '0:66@1+1', '0:69@2+1', '0:71@3+2', '0:69@5+1', '0:67@6+1', '0:64@7+1', '0:61@8+1', '0:62@9+3'].sort(),
    );
  });

  it("a Variation's kept first half (AA) stays, and the last A restates it", async () => {
    const { seed, request } = await plan({ style: 'folk', form: 'AABA', meter: '6/8', bars: 16, samplingSeed: 21 });
    const parent = await composer.compose(seed.piece, request, () => {});
    // What the Variation button does: the parent's first 8 bars as a MIDI seed, the rest anew.
    const opening = cutPiece(parent, 24);
    const options = parseComposeOptions({ style: 'folk', form: 'AABA', meter: '6/8', bars: 16, seedBars: 8, samplingSeed: 22 });
    const variationRequest = buildRequest(options, { piece: opening, bars: 8, beats: 24 });
    expect(variationRequest.form?.seedBars).toBe(8);
    const variation = await composer.compose(opening, variationRequest, () => {});
    expect(sectionNotes(variation, 3, 0, 8)).toEqual(sectionNotes(parent, 3, 0, 8));
    expectFormKept(variation, variationRequest);
    expect(sectionNotes(variation, 3, 8, 12)).not.toEqual(sectionNotes(parent, 3, 8, 12));
  });

  it('without a form, the same request is not restated (the forcing makes the repeat)', async () => {
    const { seed, request } = await plan({ style: 'folk', meter: '3/4', bars: 16, samplingSeed: 1 });
    const piece = await composer.compose(seed.piece, request, () => {});
    expect(sectionNotes(piece, 3, 4, 8)).not.toEqual(sectionNotes(piece, 3, 0, 4));
  });
});

describe('form with an untrained model (streams that wander anywhere)', () => {
  let dir: string;
  let composer: LstmComposer;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rhythmix-form-'));
    await saveTinyModel(dir, 'tiny-form');
    composer = new LstmComposer('tiny-form', await Generator.load(dir));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('still restates every A exactly and closes on the tonic chord of the requested key', async () => {
    for (let samplingSeed = 1; samplingSeed <= 8; samplingSeed++) {
      const { seed, request } = await plan({
        style: 'folk',
        meter: samplingSeed % 2 ? '3/4' : '6/8',
        form: 'AABA',
        bars: 16,
        key: 'G major',
        samplingSeed,
        tracks: 2,
      });
      const piece = await composer.compose(seed.piece, request, () => {});
      expectFormKept(piece, request);
    }
  });
});
