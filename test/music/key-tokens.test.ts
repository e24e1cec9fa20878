import { describe, expect, it } from 'vitest';
import { parseMidi } from '../../src/midi/read.js';
import { writeMidi } from '../../src/midi/write.js';
import { keyFromMidiSignature, keySignatureName, midiSignatureOfKey, pieceKey } from '../../src/music/key.js';
import { drawKey, styleKeyCounts } from '../../src/music/key-distribution.js';
import type { KeySignature } from '../../src/music/piece.js';
import { parseSeed } from '../../src/music/seed.js';
import { TokenStreamState } from '../../src/music/token-stream.js';
import { canonicalPiece, decodeTokens, encodePiece } from '../../src/music/tokens.js';
import { DEFAULT_VOCABULARY as V, Vocabulary } from '../../src/music/vocabulary.js';

const ALL_KEYS: KeySignature[] = (['major', 'minor'] as const).flatMap((mode) =>
  Array.from({ length: 12 }, (_, tonicPitchClass) => ({ tonicPitchClass, mode })),
);

describe('key tokens (token language 2)', () => {
  const gMinor: KeySignature = { tonicPitchClass: 7, mode: 'minor' };

  it('writes the key between style and meter and reads it back', () => {
    const piece = parseSeed('G4q Bb4q D5h | [G3 Bb3 D4]w');
    const ids = encodePiece(piece, { style: 'folk', key: gMinor });
    expect(V.describe(ids).slice(0, 4)).toEqual(['<start>', 'style:folk', 'key:Gm', 'meter:4/4']);
    const decoded = decodeTokens(ids);
    expect(decoded.key).toEqual(gMinor);
    expect(decoded).toEqual(canonicalPiece({ ...piece, key: gMinor }));
    // The piece's own key is the default; without one the header names none.
    expect(V.describe(encodePiece({ ...piece, key: gMinor }, { style: 'folk' }))[2]).toBe('key:Gm');
    expect(V.describe(encodePiece(piece, { style: 'folk' }))[2]).toBe('meter:4/4');
  });

  it('is optional and allowed once, only right after the style', () => {
    const state = new TokenStreamState();
    state.push(V.startId);
    expect(state.allowed()[V.first('key')]).toBe(0);
    state.push(V.styleId('folk'));
    expect(state.allowed()[V.keyId(gMinor)]).toBe(1);
    expect(state.allowed()[V.meterId({ numerator: 4, denominator: 4 })!]).toBe(1);
    state.push(V.keyId(gMinor));
    expect(state.key).toEqual(gMinor);
    expect(state.allowed()[V.first('key')]).toBe(0);
    state.push(V.meterId({ numerator: 4, denominator: 4 })!);
    expect(state.allowed()[V.first('key')]).toBe(0);
  });

  it('leaves language-1 streams without a key, even for a piece that has one', () => {
    const { keys: _keys, ...spec } = V.spec;
    const v1 = new Vocabulary(spec);
    const ids = encodePiece({ ...parseSeed('C4q'), key: gMinor }, { style: 'folk', vocabulary: v1 });
    expect(v1.describe(ids).slice(0, 3)).toEqual(['<start>', 'style:folk', 'meter:4/4']);
    expect(decodeTokens(ids, { vocabulary: v1 }).key).toBeUndefined();
  });
});

describe('MIDI key signatures', () => {
  it('maps sharps and mode to keys and back for all 24 keys', () => {
    expect(keySignatureName(keyFromMidiSignature(0, false))).toBe('C major');
    expect(keySignatureName(keyFromMidiSignature(1, false))).toBe('G major');
    expect(keySignatureName(keyFromMidiSignature(-1, true))).toBe('D minor');
    expect(keySignatureName(keyFromMidiSignature(3, true))).toBe('F# minor');
    expect(keySignatureName(keyFromMidiSignature(-6, false))).toBe('F# major'); // G♭ major: same pitch class
    for (const key of ALL_KEYS) {
      const { sharps, minor } = midiSignatureOfKey(key);
      expect(Math.abs(sharps)).toBeLessThanOrEqual(6);
      expect(keyFromMidiSignature(sharps, minor)).toEqual(key);
    }
  });

  it('survives a write and read of the file', () => {
    const piece = { ...parseSeed('D4q F4q A4h'), key: { tonicPitchClass: 2, mode: 'minor' } as const };
    expect(parseMidi(writeMidi(piece)).key).toEqual(piece.key);
    expect(parseMidi(writeMidi(parseSeed('D4q F4q A4h'))).key).toBeUndefined();
  });
});

describe('pieceKey (the key a training piece is conditioned on)', () => {
  const dMinorTune = parseSeed('D4q F4q A4q D5q | C#5q D5q A4h | Bb4q A4q G4q F4q | E4q C#4q D4h');

  it('keeps a declared key, estimates a missing one, and distrusts a contradicted default C major', () => {
    expect(pieceKey(dMinorTune)).toEqual({ tonicPitchClass: 2, mode: 'minor' });
    expect(pieceKey({ ...dMinorTune, key: { tonicPitchClass: 5, mode: 'major' } })).toEqual({ tonicPitchClass: 5, mode: 'major' });
    expect(pieceKey({ ...dMinorTune, key: { tonicPitchClass: 0, mode: 'major' } })).toEqual({ tonicPitchClass: 2, mode: 'minor' });
    const cTune = parseSeed('C4q E4q G4q C5q | G4q E4q C4h');
    expect(pieceKey({ ...cTune, key: { tonicPitchClass: 0, mode: 'major' } })).toEqual({ tonicPitchClass: 0, mode: 'major' });
    expect(pieceKey(parseSeed('rw'))).toBeUndefined();
  });
});

describe('key distributions per style', () => {
  const stream = (style: string, key: KeySignature): number[] => encodePiece(parseSeed('C4q'), { style, key });
  const g: KeySignature = { tonicPitchClass: 7, mode: 'major' };
  const d: KeySignature = { tonicPitchClass: 2, mode: 'major' };
  const am: KeySignature = { tonicPitchClass: 9, mode: 'minor' };
  const counts = styleKeyCounts([stream('folk', g), stream('folk', g), stream('folk', g), stream('folk', d), stream('classical', am)], V);

  it('counts the header keys of each style', () => {
    expect(counts).toEqual({ folk: { 'G major': 3, 'D major': 1 }, classical: { 'A minor': 1 } });
  });

  it('draws keys in proportion, the same key for the same draw', () => {
    const drawn = Array.from({ length: 400 }, (_, i) => keySignatureName(drawKey(counts.folk, (i + 0.5) / 400)!));
    expect(drawn.filter((k) => k === 'G major')).toHaveLength(300);
    expect(drawn.filter((k) => k === 'D major')).toHaveLength(100);
    expect(drawKey(counts.folk, 0.9)).toEqual(drawKey(counts.folk, 0.9));
    expect(drawKey(counts.game, 0.5)).toBeUndefined();
  });
});

describe('soft key weights in the grammar', () => {
  const aMinor = { classes: [9, 11, 0, 2, 4, 5, 7], weight: 0.25 };

  it('weigh out-of-key pitches of pitched tracks only', () => {
    const state = new TokenStreamState({ constraints: { preferredPitchClasses: aMinor } });
    for (const id of encodePiece(parseSeed('A4q'), { style: 'folk' }).slice(0, -1)) state.push(id);
    const weights = state.weights()!;
    expect(weights[V.pitchId(69)]).toBe(1); // A
    expect(weights[V.pitchId(70)]).toBe(0.25); // A#
    expect(weights[V.barId]).toBe(1);
    // Nothing to weigh without the constraint, or in a drum track.
    const plain = new TokenStreamState();
    for (const id of encodePiece(parseSeed('A4q'), { style: 'folk' }).slice(0, -1)) plain.push(id);
    expect(plain.weights()).toBeUndefined();
    const drums = new TokenStreamState({ constraints: { preferredPitchClasses: aMinor } });
    for (const id of [V.startId, V.styleId('game'), V.meterId({ numerator: 4, denominator: 4 })!, V.drumsId]) drums.push(id);
    expect(drums.weights()).toBeUndefined();
    expect(() => new TokenStreamState({ constraints: { preferredPitchClasses: { classes: [0], weight: 2 } } })).toThrow(/weight must be in \[0, 1\]/);
  });
});
