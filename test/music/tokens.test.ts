import { describe, expect, it } from 'vitest';
import { barStartBeats, createPiece, type Piece } from '../../src/music/piece.js';
import { quantizePiece } from '../../src/music/quantize.js';
import { parseSeed } from '../../src/music/seed.js';
import {
  TokenGrammarError,
  TokenStreamState,
  canonicalPiece,
  decodeTokens,
  durationTokens,
  encodePiece,
  encodePrefix,
  formatTokenStream,
  tokenIds,
  tokenNames,
} from '../../src/music/tokens.js';
import { DEFAULT_VOCABULARY as V } from '../../src/music/vocabulary.js';
import { int, pick, randomCanonicalPiece, rng } from './random-pieces.js';

const note = (pitch: number, start: number, duration: number, velocity = 80) => ({ pitch, start, duration, velocity });

/** Push every token, checking each was allowed by the mask first. */
function acceptAll(ids: readonly number[], stepsPerQuarter = 4): TokenStreamState {
  const state = new TokenStreamState({ stepsPerQuarter });
  for (const id of ids) {
    expect(state.allowed()[id], `token ${V.name(id)} at step ${state.step}`).toBe(1);
    state.push(id);
  }
  return state;
}

/** A random stream the grammar allows: a random walk over the mask, biased to finish. */
function randomStream(random: () => number, stepsPerQuarter: number, maxTokens: number): number[] {
  const state = new TokenStreamState({ stepsPerQuarter });
  const ids: number[] = [];
  while (!state.isComplete) {
    const mask = state.allowed();
    const allowed = [...mask.keys()].filter((id) => mask[id] === 1);
    let id = pick(random, allowed);
    if (mask[V.endId] === 1 && (ids.length > maxTokens || random() < 0.01)) id = V.endId;
    else if (mask[V.programId(0)] === 1 && state.tracks.length >= 3) id = V.barId; // keep headers short
    if (mask[id] !== 1) id = pick(random, allowed);
    state.push(id);
    ids.push(id);
  }
  return ids;
}

describe('encodePiece / decodeTokens', () => {
  it('writes a single-track piece in the documented canonical form', () => {
    const piece = createPiece([{ name: 'Track 1', program: 0, isDrum: false, notes: [note(60, 0, 1), note(64, 1, 1), note(67, 2, 2), note(72, 2, 2, 104)] }]);
    const names = tokenNames(encodePiece(piece, { style: 'folk' }));
    expect(names).toEqual([
      '<start>',
      'style:folk',
      'meter:4/4',
      'program:0',
      'pitch:60',
      'dur:4',
      'pos:4',
      'pitch:64',
      'dur:4',
      'pos:8',
      'pitch:67',
      'dur:8',
      'vel:104',
      'pitch:72',
      'dur:8',
      '<end>',
    ]);
  });

  it('separates tracks within a time step and starts each step in track 0', () => {
    const piece = createPiece([
      { name: 'Track 1', program: 0, isDrum: false, notes: [note(72, 0, 1), note(74, 1, 1)] },
      { name: 'Track 2', program: 32, isDrum: false, notes: [note(48, 0, 4)] },
      { name: 'Track 3', program: 0, isDrum: true, notes: [note(36, 0, 0.25), note(42, 1, 0.25), note(36, 2, 0.25)] },
    ]);
    expect(tokenNames(encodePiece(piece, { style: 'game' }))).toEqual([
      '<start>',
      'style:game',
      'meter:4/4',
      'program:0',
      'program:32',
      'drums',
      'pitch:72',
      'dur:4',
      'track:1',
      'pitch:48',
      'dur:16',
      'track:2',
      'pitch:36',
      'dur:1',
      'pos:4',
      'pitch:74',
      'dur:4',
      'track:2',
      'pitch:42',
      'dur:1',
      'pos:8',
      'track:2',
      'pitch:36',
      'dur:1',
      '<end>',
    ]);
  });

  it('crosses bars with bar tokens and writes long notes as repeated dur:max', () => {
    const piece = createPiece([{ name: 'Track 1', program: 0, isDrum: false, notes: [note(60, 1, 20), note(62, 13.5, 0.5)] }], {
      timeSignature: { numerator: 3, denominator: 4 },
    });
    expect(tokenNames(encodePiece(piece, { style: 'classical' }))).toEqual([
      '<start>',
      'style:classical',
      'meter:3/4',
      'program:0',
      'pos:4',
      'pitch:60',
      'dur:32',
      'dur:32',
      'dur:16',
      'bar',
      'bar',
      'bar',
      'bar',
      'pos:6',
      'pitch:62',
      'dur:2',
      '<end>',
    ]);
    expect(durationTokens(64).map((id) => V.name(id))).toEqual(['dur:32', 'dur:32']);
    expect(durationTokens(65).map((id) => V.name(id))).toEqual(['dur:32', 'dur:32', 'dur:1']);
  });

  it('writes meter changes where they happen, also in the middle of a bar', () => {
    const piece: Piece = {
      ...createPiece([{ name: 'Track 1', program: 0, isDrum: false, notes: [note(60, 0, 4), note(62, 4, 3), note(64, 9, 1)] }]),
      timeSignatures: [
        { time: 0, numerator: 4, denominator: 4 },
        { time: 4, numerator: 3, denominator: 4 },
        { time: 8, numerator: 6, denominator: 8 },
      ],
    };
    const ids = encodePiece(piece, { style: 'folk' });
    expect(tokenNames(ids)).toEqual([
      '<start>',
      'style:folk',
      'meter:4/4',
      'program:0',
      'pitch:60',
      'dur:16',
      // 3/4 from beat 4: its bar line at beat 7, then the 6/8 bar starts at beat 8 (one beat in).
      'bar',
      'meter:3/4',
      'pitch:62',
      'dur:12',
      'bar',
      'pos:4',
      'meter:6/8',
      'pos:4',
      'pitch:64',
      'dur:4',
      '<end>',
    ]);
    expect(decodeTokens(ids)).toEqual(piece);
  });

  it('round-trips random canonical pieces exactly (single track, multi-track, drums, meters, grids)', () => {
    const random = rng(20261125);
    for (let i = 0; i < 300; i++) {
      const stepsPerQuarter = pick(random, [1, 2, 4, 4, 4, 3, 12]);
      const piece = randomCanonicalPiece(random, {
        stepsPerQuarter,
        maxTracks: i % 3 === 0 ? 1 : 6,
        drums: i % 2 === 0,
        meterChanges: i % 4 !== 1,
      });
      const ids = encodePiece(piece, { style: pick(random, ['classical', 'folk', 'game']), stepsPerQuarter });
      expect(decodeTokens(ids, { stepsPerQuarter })).toEqual(piece);
      expect(canonicalPiece(piece, { stepsPerQuarter })).toEqual(piece);
      const state = acceptAll(ids, stepsPerQuarter);
      expect(state.isComplete).toBe(true);
    }
  });

  it('counts bars as piece.ts does, also across mid-bar meter changes', () => {
    const random = rng(99);
    for (let i = 0; i < 60; i++) {
      const piece = randomCanonicalPiece(random, { stepsPerQuarter: 4, maxTracks: 2, meterChanges: true });
      const state = new TokenStreamState();
      for (const id of encodePiece(piece, { style: 'folk' })) {
        state.push(id);
        if (V.kind(id) !== 'pitch') continue;
        expect(barStartBeats(piece, state.bar)).toBeLessThanOrEqual(state.time);
        expect(barStartBeats(piece, state.bar + 1)).toBeGreaterThan(state.time);
        expect(state.time - barStartBeats(piece, state.bar)).toBeCloseTo(state.positionInBar / 4);
      }
    }
  });

  it('is a bijection: every stream the grammar allows re-encodes to itself', () => {
    const random = rng(7);
    for (let i = 0; i < 150; i++) {
      const stepsPerQuarter = pick(random, [1, 4, 4, 12]);
      const ids = randomStream(random, stepsPerQuarter, int(random, 5, 300));
      const piece = decodeTokens(ids, { stepsPerQuarter });
      const style = V.spec.styles[V.offset(ids[1] as number)] as string;
      expect(tokenNames(encodePiece(piece, { style, stepsPerQuarter }))).toEqual(tokenNames(ids));
    }
  });

  it('canonicalises what tokens cannot show: velocity bins, names, drum programs, trailing meters', () => {
    const piece: Piece = {
      tracks: [
        { name: 'Lead', program: 5, isDrum: false, notes: [note(60, 0, 1, 100), note(62, 1, 1, 1)] },
        { name: 'Kit', program: 9, isDrum: true, notes: [note(36, 0, 0.25, 127)] },
      ],
      tempos: [
        { time: 0, bpm: 90 },
        { time: 1, bpm: 100 },
      ],
      timeSignatures: [
        { time: 0, numerator: 4, denominator: 4 },
        { time: 8, numerator: 3, denominator: 4 },
      ],
    };
    const decoded = decodeTokens(encodePiece(piece, { style: 'game' }), { bpm: 90 });
    expect(decoded).toEqual(canonicalPiece(piece, { bpm: 90 }));
    expect(decoded.tracks.map((t) => [t.name, t.program])).toEqual([
      ['Track 1', 5],
      ['Track 2', 0],
    ]);
    expect(decoded.tracks[0]?.notes.map((n) => n.velocity)).toEqual([104, 8]);
    expect(decoded.timeSignatures).toEqual([{ time: 0, numerator: 4, denominator: 4 }]);
  });

  it('maps a meter without a token to one with the same bar length and keeps every note', () => {
    const piece: Piece = {
      ...createPiece([{ name: 'Track 1', program: 0, isDrum: false, notes: [note(60, 0, 1), note(60, 4.5, 1)] }]),
      timeSignatures: [{ time: 0, numerator: 8, denominator: 8 }],
    };
    const decoded = decodeTokens(encodePiece(piece, { style: 'folk' }));
    expect(decoded.timeSignatures).toEqual([{ time: 0, numerator: 4, denominator: 4 }]);
    expect(decoded.tracks[0]?.notes).toEqual(piece.tracks[0]?.notes);
  });

  it('rejects pieces it cannot encode, naming the problem', () => {
    const offGrid = createPiece([{ name: 'a', program: 0, isDrum: false, notes: [note(60, 1 / 3, 1)] }]);
    expect(() => encodePiece(offGrid, { style: 'folk' })).toThrow(/not quantised to 4 steps per quarter: track 0 note 60 at beat 0\.333/);
    const overlap = createPiece([{ name: 'a', program: 0, isDrum: false, notes: [note(60, 0, 2), note(60, 1, 1)] }]);
    expect(() => encodePiece(overlap, { style: 'folk' })).toThrow(/overlapping notes of pitch 60/);
    const many = createPiece(Array.from({ length: 17 }, (_, i) => ({ name: `t${i}`, program: 0, isDrum: false, notes: [] })));
    expect(() => encodePiece(many, { style: 'folk' })).toThrow(/17 tracks, the token language holds at most 16/);
    const good = createPiece([]);
    expect(() => encodePiece(good, { style: 'jazz' })).toThrow(/unknown style "jazz"/);
    expect(() => encodePiece({ ...good, tracks: [{ name: 'a', program: 0, isDrum: false, notes: [note(128, 0, 1)] }] }, { style: 'folk' })).toThrow(
      /pitch 128/,
    );
  });

  it('encodes what quantisation produces from messy input (swing, overlaps, zero lengths)', () => {
    const messy = createPiece([
      { name: 'a', program: 0, isDrum: false, notes: [note(60, 0, 0.01), note(60, 0.02, 3), note(60, 1, 1), note(64, 0.66, 0.33), note(67, 2.1, 5)] },
    ]);
    const { piece } = quantizePiece(messy);
    const decoded = decodeTokens(encodePiece(piece, { style: 'folk' }));
    expect(decoded.tracks[0]?.notes).toEqual(canonicalPiece(piece).tracks[0]?.notes);
  });

  it('encodes an empty piece and a piece with empty tracks', () => {
    const empty = createPiece([]);
    expect(tokenNames(encodePiece(empty, { style: 'folk' }))).toEqual(['<start>', 'style:folk', 'meter:4/4', '<end>']);
    const silent = createPiece([{ name: 'Track 1', program: 3, isDrum: false, notes: [] }]);
    expect(decodeTokens(encodePiece(silent, { style: 'folk' }))).toEqual(silent);
  });
});

describe('encodePrefix', () => {
  const seed = parseSeed('C4q E4q');
  const body = ['<start>', 'style:folk', 'meter:4/4', 'program:0', 'pitch:60', 'dur:4', 'pos:4', 'pitch:64', 'dur:4'];

  it('is the encoding without <end>, advanced to where the continuation starts', () => {
    expect(tokenNames(encodePrefix(seed, { style: 'folk' }))).toEqual(body);
    expect(tokenNames(encodePrefix(seed, { style: 'folk', continueAt: 4 }))).toEqual([...body, 'bar']);
    expect(tokenNames(encodePrefix(seed, { style: 'folk', continueAt: 9 }))).toEqual([...body, 'bar', 'bar', 'pos:4']);
    expect(tokenNames(encodePrefix(seed, { style: 'folk', continueAt: 1.5 }))).toEqual([...body, 'pos:6']);
    expect(tokenNames(encodePrefix(seed, { style: 'folk', continueAt: 1 }))).toEqual(body);
    expect(() => encodePrefix(seed, { style: 'folk', continueAt: 1.1 })).toThrow(/not on the grid/);
  });

  it('primes a state that then expects the continuation', () => {
    const state = acceptAll(encodePrefix(seed, { style: 'folk', continueAt: 4 }));
    expect([state.bar, state.positionInBar, state.isComplete]).toEqual([1, 0, false]);
    const mask = state.allowed();
    expect([mask[V.pitchId(60)], mask[V.id('pos:2')], mask[V.barId], mask[V.endId]]).toEqual([1, 1, 1, 0]);
  });
});

describe('formatTokenStream', () => {
  it('lists a stream one step per line with bar and beat', () => {
    expect(formatTokenStream(encodePiece(parseSeed('C4q E4q'), { style: 'folk' }))).toBe(
      ['<start> style:folk meter:4/4 program:0', 'pitch:60 dur:4        # bar 1, beat 1', 'pos:4 pitch:64 dur:4  # bar 1, beat 2', '<end>'].join('\n'),
    );
  });
});

describe('decodeTokens on malformed streams', () => {
  const good = tokenIds(['<start>', 'style:folk', 'meter:4/4', 'program:0', 'pitch:60', 'dur:4', 'pos:4', 'pitch:64', 'dur:4', '<end>']);

  it('strict mode names the first bad token, its index and what was expected', () => {
    const bad = [...good.slice(0, 6), V.id('pitch:59'), V.id('dur:1'), V.endId];
    // pitch 59 after 60 in the same step breaks the ascending order.
    expect(() => decodeTokens(bad)).toThrow(TokenGrammarError);
    expect(() => decodeTokens(bad)).toThrow(/token 6 "pitch:59" is not allowed here \(step 0\); expected .*pitch:61/);
    expect(() => decodeTokens(good.slice(0, 6))).toThrow(/ends after 6 tokens without <end>/);
    expect(() => decodeTokens([V.size + 3])).toThrow(new RegExp(`token 0 id ${V.size + 3} is not allowed`));
  });

  it('repair mode skips forbidden tokens and closes a cut-off stream deterministically', () => {
    const noisy = [good[0], V.padId, ...good.slice(1, 4), V.id('dur:3'), ...good.slice(4, 7), V.barId, V.id('pos:2'), ...good.slice(7, 9)] as number[];
    const repaired = decodeTokens(noisy, { mode: 'repair' });
    expect(repaired).toEqual(decodeTokens(good));
    // Cut off after a pitch without duration: the pitch is dropped.
    const cut = decodeTokens(good.slice(0, 8), { mode: 'repair' });
    expect(cut.tracks[0]?.notes.map((n) => n.pitch)).toEqual([60]);
    expect(decodeTokens([], { mode: 'repair' }).tracks).toEqual([]);
  });
});

describe('TokenStreamState', () => {
  const start = (names: string[], options = {}) => {
    const state = new TokenStreamState(options);
    for (const name of names) state.push(V.id(name));
    return state;
  };
  const header = ['<start>', 'style:folk', 'meter:4/4', 'program:0', 'program:40'];

  it('tracks time, bar, position and track', () => {
    const state = start([...header, 'pitch:60', 'dur:4', 'bar', 'pos:6', 'track:1', 'pitch:50', 'dur:2']);
    expect([state.step, state.bar, state.positionInBar, state.track, state.time]).toEqual([22, 1, 6, 1, 5.5]);
    expect(state.notes.map((n) => [n.track, n.pitch, n.startStep])).toEqual([[0, 60, 0]]);
    state.push(V.endId);
    expect(state.notes.map((n) => [n.track, n.pitch, n.startStep, n.durationSteps])).toEqual([
      [0, 60, 0, 4],
      [1, 50, 22, 2],
    ]);
    expect(state.endStep).toBe(24);
  });

  it.each([
    [['<start>'], 'program:0', 'a style must follow <start>'],
    [header, 'style:game', 'one style only'],
    [header, 'dur:4', 'a duration needs a pitch'],
    [header.slice(0, 4), 'track:1', 'only declared tracks'],
    [[...header, 'track:1', 'pitch:40', 'dur:2', 'pos:2'], 'dur:2', 'a new step starts in track 0 and needs a note'],
    [header, 'vel:80', 'the velocity is already 80'],
    [[...header, 'pitch:60'], 'pitch:62', 'a pitch needs a duration'],
    [[...header, 'pitch:60', 'dur:4'], 'pitch:60', 'no duplicate pitch'],
    [[...header, 'pitch:60', 'dur:4'], 'pitch:55', 'pitches ascend in a step'],
    [[...header, 'pitch:60', 'dur:4'], 'dur:1', 'a short duration is complete'],
    [[...header, 'pitch:60', 'dur:8', 'pos:4'], 'pitch:60', 'pitch 60 still sounds'],
    [[...header, 'pitch:60', 'dur:4', 'pos:4'], 'pos:8', 'an advance needs an event'],
    [[...header, 'pitch:60', 'dur:4', 'pos:4'], '<end>', 'no trailing advance'],
    [[...header, 'pitch:60', 'dur:4', 'pos:4', 'pitch:60', 'dur:1'], 'pos:2', 'time never goes back'],
    [[...header, 'pitch:60', 'dur:4'], 'pos:16', 'pos is inside the bar'],
    [[...header, 'pitch:60', 'dur:4', 'bar'], 'meter:4/4', 'a meter only where it changes'],
    [[...header, 'pitch:60', 'dur:4'], 'meter:3/4', 'a meter comes first in its step'],
    [[...header, 'pitch:60', 'dur:4', 'bar', 'meter:3/4'], '<end>', 'no meter change after the last note'],
    [[...header, 'track:1'], 'dur:2', 'a track switch needs a note'],
    [[...header, 'track:1', 'pitch:40', 'dur:2'], 'track:1', 'tracks ascend in a step'],
    [[...header, 'pitch:60'], 'program:1', 'instruments only in the header'],
    [[...header, 'pitch:60', 'dur:4', '<end>'], 'bar', 'nothing after <end>'],
  ])('rejects illegal next tokens (%#: %s)', (prefix, next, _why) => {
    const state = start(prefix);
    expect(state.allowed()[V.id(next)]).toBe(0);
    expect(() => state.push(V.id(next))).toThrow(TokenGrammarError);
  });

  it('applies sampling constraints to the mask only: key, range, drums exempt, bar limit', () => {
    const drums = start(['<start>', 'style:game', 'meter:4/4', 'program:0', 'drums'], {
      constraints: { pitchClasses: [0, 2, 4, 5, 7, 9, 11], minPitch: 48, maxPitch: 84, maxBars: 2 },
    });
    const mask = drums.allowed();
    const pitches = [...Array(128).keys()].filter((p) => mask[V.pitchId(p)] === 1);
    expect(pitches).toEqual([48, 50, 52, 53, 55, 57, 59, 60, 62, 64, 65, 67, 69, 71, 72, 74, 76, 77, 79, 81, 83, 84]);
    expect(drums.isLegal(V.pitchId(61))).toBe(true);
    drums.push(V.id('track:1'));
    expect(drums.allowed()[V.pitchId(37)]).toBe(1);
    drums.push(V.pitchId(37));
    drums.push(V.durationId(1));
    expect(drums.allowed()[V.barId]).toBe(1);
    drums.push(V.barId);
    drums.push(V.pitchId(60));
    drums.push(V.durationId(1));
    expect(drums.allowed()[V.barId]).toBe(0);
    expect(drums.allowed()[V.endId]).toBe(1);
  });

  it('clones independently', () => {
    const a = start([...header, 'pitch:60', 'dur:4']);
    const b = a.clone();
    b.push(V.id('pos:4'));
    expect(a.step).toBe(0);
    expect(b.step).toBe(4);
    expect(a.allowed()[V.id('pitch:61')]).toBe(1);
  });
});
