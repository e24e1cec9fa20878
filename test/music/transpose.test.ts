import { describe, expect, it } from 'vitest';
import { createPiece, type Piece } from '../../src/music/piece.js';
import { decodeTokens, encodePiece } from '../../src/music/tokens.js';
import { pitchPositions, transposeTokens, transpositionRange } from '../../src/music/transpose.js';
import { DEFAULT_VOCABULARY } from '../../src/music/vocabulary.js';
import { TOKEN_EXAMPLES } from './token-examples.js';
import { int, randomCanonicalPiece, rng } from './random-pieces.js';

const vocabulary = DEFAULT_VOCABULARY;

/** The oracle: transpose the decoded piece note by note. */
function transposedPiece(piece: Piece, semitones: number): Piece {
  return {
    ...piece,
    tracks: piece.tracks.map((track) => ({ ...track, notes: track.notes.map((n) => ({ ...n, pitch: track.isDrum ? n.pitch : n.pitch + semitones })) })),
  };
}

describe('transposeTokens', () => {
  it('moves pitched notes and leaves drum keys alone (multi-track example)', () => {
    const example = TOKEN_EXAMPLES.find((e) => e.title === 'multi-track')!;
    const ids = encodePiece(example.piece, { style: example.style, stepsPerQuarter: 4 });
    const up = decodeTokens(transposeTokens(ids, 5, vocabulary));
    const original = decodeTokens(ids);
    expect(up.tracks[0]!.notes.map((n) => n.pitch)).toEqual(original.tracks[0]!.notes.map((n) => n.pitch + 5));
    expect(up.tracks[1]!.notes.map((n) => n.pitch)).toEqual(original.tracks[1]!.notes.map((n) => n.pitch + 5));
    expect(up.tracks[2]!.notes.map((n) => n.pitch)).toEqual(original.tracks[2]!.notes.map((n) => n.pitch));
  });

  it('equals transposing the piece, on 200 random canonical pieces', () => {
    const random = rng(11);
    for (let i = 0; i < 200; i++) {
      const piece = randomCanonicalPiece(random, { stepsPerQuarter: 4, drums: true });
      const ids = encodePiece(piece, { style: 'game', stepsPerQuarter: 4 });
      const range = transpositionRange(pitchPositions(ids, vocabulary), 12, vocabulary);
      const shift = int(random, range.min, range.max);
      const expected = encodePiece(transposedPiece(decodeTokens(ids), shift), { style: 'game', stepsPerQuarter: 4 });
      expect(Array.from(transposeTokens(ids, shift, vocabulary))).toEqual(expected);
    }
  });

  it('keeps every pitch inside 0..127 and refuses shifts that would leave it', () => {
    const piece = createPiece([
      {
        name: 'high',
        program: 0,
        isDrum: false,
        notes: [
          { pitch: 125, start: 0, duration: 1, velocity: 80 },
          { pitch: 3, start: 1, duration: 1, velocity: 80 },
        ],
      },
    ]);
    const ids = encodePiece(piece, { style: 'folk', stepsPerQuarter: 4 });
    expect(transpositionRange(pitchPositions(ids, vocabulary), 6, vocabulary)).toEqual({ min: -3, max: 2 });
    expect(() => transposeTokens(ids, 3, vocabulary)).toThrow(/leaves the MIDI pitch range/);
    expect(() => transposeTokens(ids, -4, vocabulary)).toThrow(/leaves the MIDI pitch range/);
    expect(() => transposeTokens(ids, 0.5, vocabulary)).toThrow(/whole number/);
  });

  it('finds no shiftable pitch in a drum-only piece', () => {
    const piece = createPiece([{ name: 'drums', program: 0, isDrum: true, notes: [{ pitch: 36, start: 0, duration: 0.25, velocity: 80 }] }]);
    const positions = pitchPositions(encodePiece(piece, { style: 'game', stepsPerQuarter: 4 }), vocabulary);
    expect(positions.shiftable.every((f) => f === 0)).toBe(true);
    expect(transpositionRange(positions, 6, vocabulary)).toEqual({ min: 0, max: 0 });
  });
});
