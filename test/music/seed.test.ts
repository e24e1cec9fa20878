import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/util/errors.js';
import { formatSeed, parseSeed, pitchName, readSeed, SeedSyntaxError, seedErrorPointer } from '../../src/music/seed.js';

const notesOf = (text: string) => parseSeed(text).tracks[0]?.notes.map((n) => [n.pitch, n.start, n.duration]);

/** The error a seed raises (fails the test when it parses). */
function errorOf(text: string, options = {}): SeedSyntaxError {
  try {
    parseSeed(text, options);
  } catch (error) {
    if (error instanceof SeedSyntaxError) return error;
    throw error;
  }
  throw new Error(`"${text}" parsed without error`);
}

describe('parseSeed', () => {
  it('reads the example from the issue', () => {
    const piece = parseSeed('C4q E4q G4h | [C4 E4 G4]w rq');
    expect(piece.tracks).toHaveLength(1);
    expect(piece.tracks[0]?.notes.map((n) => [n.pitch, n.start, n.duration])).toEqual([
      [60, 0, 1],
      [64, 1, 1],
      [67, 2, 2],
      [60, 4, 4],
      [64, 4, 4],
      [67, 4, 4],
    ]);
    expect(piece.timeSignatures).toEqual([{ time: 0, numerator: 4, denominator: 4 }]);
    expect(piece.tempos).toEqual([{ time: 0, bpm: 120 }]);
    expect(readSeed('C4q E4q G4h | [C4 E4 G4]w rq').lengthBeats).toBe(9);
  });

  it('knows accidentals, octaves, dots, ties, triplets and metres', () => {
    expect(notesOf('C#4q Db4q bb3e B♭3e F♯-1s')).toEqual([
      [61, 0, 1],
      [61, 1, 1],
      [58, 2, 0.5],
      [58, 2.5, 0.5],
      [6, 3, 0.25],
    ]);
    expect(notesOf('A4q. A4h.. G9s C-1w')).toEqual([
      [69, 0, 1.5],
      [69, 1.5, 3.5],
      [127, 5, 0.25],
      [0, 5.25, 4],
    ]);
    expect(notesOf('C4h+q+e D4w+w')).toEqual([
      [60, 0, 3.5],
      [62, 3.5, 8],
    ]);
    expect(notesOf('C4et D4et E4et F4qt.')).toEqual([
      [60, 0, 1 / 3],
      [62, 1 / 3, 1 / 3],
      [64, 2 / 3, 1 / 3],
      [65, 1, 1],
    ]);
    const waltz = parseSeed('3/4 D4q F#4q A4q | D5h.');
    expect(waltz.timeSignatures[0]).toMatchObject({ numerator: 3, denominator: 4 });
    expect(notesOf('c4qe4q,g4h')).toEqual([
      [60, 0, 1],
      [64, 1, 1],
      [67, 2, 2],
    ]);
  });

  it('applies options', () => {
    const piece = parseSeed('C4q', { bpm: 90, program: 40, velocity: 100, trackName: 'violin', timeSignature: { numerator: 6, denominator: 8 } });
    expect(piece.tempos[0]?.bpm).toBe(90);
    expect(piece.tracks[0]).toMatchObject({ program: 40, name: 'violin', notes: [{ velocity: 100 }] });
    expect(piece.timeSignatures[0]).toMatchObject({ numerator: 6, denominator: 8 });
  });

  it.each([
    ['C4q E4q G4 | C5w', 10, 'expected a duration (w h q e s) after "G4"'],
    ['C4q E4q G4h | [C4 E4 G4] rq', 24, 'expected a duration (w h q e s) after "[C4 E4 G4]"'],
    ['C4q X4q', 4, 'expected a note (e.g. C4q), a chord ([C4 E4]h), a rest (rq) or a bar line (|), got "X"'],
    ['C4q Eq', 5, 'expected an octave (-1 to 9) after "E", e.g. C4'],
    ['G#9q', 0, 'expected a pitch from C-1 to G9, got "G#9" (MIDI 128)'],
    ['[C4q E4q]', 3, 'expected another note or "]" (a chord\'s duration goes after "]")'],
    ['[C4 E4', 6, 'expected "]" to close the chord opened at 0'],
    ['[]q', 1, 'expected a note name A-G after "["'],
    ['C4q C4q+', 8, 'expected a duration (w h q e s) after "+"'],
    ['r', 1, 'expected a duration (w h q e s) after "r"'],
    ['C4h E4q | G4w', 8, 'the first bar has 3 beats, a 4/4 bar has 4 (pickup bars are not supported: start with a rest, e.g. "rq")'],
    ['C4w | E4w G4h | C5w', 14, 'bar line 2 beats into a 4/4 bar: bar lines go after whole bars of 4 beats'],
    ['3/4 C4h. | E4h |', 15, 'bar line 2 beats into a 3/4 bar: bar lines go after whole bars of 3 beats'],
    ['3/5 C4q', 0, 'expected a metre such as 4/4, 3/4 or 6/8, got "3/5"'],
    ['[C4 C4]q', 0, 'expected distinct notes in a chord, C4 appears twice'],
    ['   ', 0, 'the seed is empty: expected notes such as "C4q E4q G4h"'],
    ['', 0, 'the seed is empty: expected notes such as "C4q E4q G4h"'],
    ['4/4', 3, 'expected a note (e.g. C4q), a chord ([C4 E4]h), a rest (rq) or a bar line (|) after the metre'],
  ])('rejects %j at %i: %s', (text, position, message) => {
    const error = errorOf(text);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.position).toBe(position);
    expect(error.message).toBe(`at ${position}: ${message}`);
  });

  it('enforces the length and note limits', () => {
    expect(errorOf('C4q '.repeat(300)).message).toBe('at 1000: the seed is 1200 characters long, at most 1000 are allowed');
    expect(errorOf('C4q E4q G4q', { maxLength: 5 }).position).toBe(5);
    expect(errorOf('C4q E4q [C4 E4 G4]q', { maxNotes: 4 }).message).toBe('at 8: too many notes: a seed may hold at most 4');
  });

  it('points at the error position', () => {
    expect(seedErrorPointer('C4q E4q G4 | C5w', 10)).toBe('C4q E4q G4 | C5w\n          ^');
  });

  it('shows only the 80 characters around the error of a long seed, the caret under it', () => {
    const long = `${'C4q '.repeat(500)}Q9 ${'E4q '.repeat(500)}`;
    const position = long.indexOf('Q9');
    const [shown, caret] = seedErrorPointer(long, position).split('\n') as [string, string];
    expect(shown).toMatch(/^….{80}…$/);
    expect(shown[caret.length - 1]).toBe('Q');
    expect(caret.trim()).toBe('^');
    expect(seedErrorPointer('C4q\tE4q\nX', 9)).toBe('C4q E4q X\n         ^');
    // At the start and the end of a long seed: one cut only.
    expect(seedErrorPointer(long, 0).split('\n')[0]).toMatch(/^C4q .{76}…$/);
    expect(seedErrorPointer(long, long.length).split('\n')[0]).toMatch(/^….{80}$/);
  });

  it('quotes at most 80 characters of the seed in its messages', () => {
    const chord = `[${'C4 '.repeat(300)}]`;
    const message = errorOf(`${chord}x`).message;
    expect(message).toMatch(/^at 902: expected a duration \(w h q e s\) after "\[C4 C4 .*…" \(902 characters\)$/);
    expect(message.length).toBeLessThan(200);
  });
});

describe('formatSeed', () => {
  it.each([
    'C4q E4q G4h | [C4 E4 G4]w | rq',
    '3/4 D4q F#4q A4q | D5h.',
    'rq C4e. D4s E4h | C4w+q',
    'C4et D4et E4et F4q G4h',
    '6/8 A3e C4e E4e A4q. | [A3 C4 E4]h.',
    'C-1s G9s',
  ])('is the inverse of parseSeed on %j', (text) => {
    const { piece, lengthBeats } = readSeed(text);
    expect(formatSeed(piece, { lengthBeats })).toBe(text);
    expect(parseSeed(formatSeed(piece))).toEqual(piece);
  });

  it('writes trailing rests only when told the length, and one symbol where one does', () => {
    expect(formatSeed(parseSeed('C4q rh'))).toBe('C4q');
    expect(formatSeed(parseSeed('C4q rh'), { lengthBeats: 4 })).toBe('C4q rh.');
    expect(formatSeed(parseSeed('C4w+h G4q+e'))).toBe('C4w. G4q.');
  });

  it('normalises spelling and spacing, and writes polyphony it cannot express approximately', () => {
    expect(formatSeed(parseSeed('c4q  e4q'))).toBe('C4q E4q');
    expect(formatSeed(parseSeed('Db4h [G4 C4 E4]h'))).toBe('C#4h [C4 E4 G4]h');
    const piece = {
      ...parseSeed('C4w'),
      tracks: [
        {
          name: 'x',
          program: 0,
          isDrum: false,
          notes: [
            { pitch: 60, start: 0, duration: 4, velocity: 80 },
            { pitch: 64, start: 1, duration: 1, velocity: 80 },
          ],
        },
      ],
    };
    expect(formatSeed(piece)).toBe('C4q E4q');
  });

  it('names pitches', () => {
    expect([pitchName(60), pitchName(69), pitchName(70), pitchName(0), pitchName(127)]).toEqual(['C4', 'A4', 'A#4', 'C-1', 'G9']);
  });
});
