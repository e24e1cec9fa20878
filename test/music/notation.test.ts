import { describe, expect, it } from 'vitest';
import { beatSteps, MAX_VOICES_PER_STAFF, noteValue, splitIntoValues, toVoices } from '../../src/music/notation.js';

const FOUR_FOUR = { numerator: 4, denominator: 4 };
const SIX_EIGHT = { numerator: 6, denominator: 8 };
const THREE_FOUR = { numerator: 3, denominator: 4 };

describe('noteValue', () => {
  it('names plain and dotted values on a 16th grid and refuses the rest', () => {
    expect(noteValue(16, 4)).toEqual({ type: 'whole', dots: 0 });
    expect(noteValue(12, 4)).toEqual({ type: 'half', dots: 1 });
    expect(noteValue(6, 4)).toEqual({ type: 'quarter', dots: 1 });
    expect(noteValue(3, 4)).toEqual({ type: 'eighth', dots: 1 });
    expect(noteValue(1, 4)).toEqual({ type: '16th', dots: 0 });
    for (const steps of [5, 7, 9, 10, 11, 13, 14, 15]) expect(noteValue(steps, 4)).toBeUndefined();
  });

  it('makes every single step a value on each grid', () => {
    for (const divisions of [1, 2, 4, 8, 16]) expect(noteValue(1, divisions)).toBeDefined();
  });
});

describe('splitIntoValues', () => {
  const lengths = (parts: Array<[number, number]>) => parts.map(([s, e]) => e - s);

  it('keeps a value that starts on the beat whole, and cuts a syncopation at the beat', () => {
    expect(splitIntoValues(0, 6, FOUR_FOUR, 4)).toEqual([[0, 6]]); // dotted quarter on beat 1
    expect(splitIntoValues(2, 8, FOUR_FOUR, 4)).toEqual([
      [2, 4],
      [4, 8],
    ]);
    expect(splitIntoValues(1, 4, FOUR_FOUR, 4)).toEqual([[1, 4]]); // dotted eighth inside the beat
  });

  it('writes a length that is no value as the longest value ending on a beat, then the rest', () => {
    expect(splitIntoValues(0, 5, FOUR_FOUR, 4)).toEqual([
      [0, 4],
      [4, 5],
    ]);
    expect(lengths(splitIntoValues(0, 10, FOUR_FOUR, 4))).toEqual([8, 2]);
    expect(lengths(splitIntoValues(0, 20, { numerator: 5, denominator: 4 }, 4))).toEqual([16, 4]);
  });

  it('groups 6/8 in dotted quarters', () => {
    expect(beatSteps(SIX_EIGHT, 4)).toBe(6);
    expect(splitIntoValues(0, 6, SIX_EIGHT, 4)).toEqual([[0, 6]]);
    expect(splitIntoValues(6, 12, SIX_EIGHT, 4)).toEqual([[6, 12]]);
    expect(splitIntoValues(4, 8, SIX_EIGHT, 4)).toEqual([
      [4, 6],
      [6, 8],
    ]);
  });

  it('always returns note values that tile the span exactly', () => {
    for (const meter of [FOUR_FOUR, THREE_FOUR, SIX_EIGHT, { numerator: 7, denominator: 8 }]) {
      const bar = (meter.numerator * 16) / meter.denominator;
      for (let s = 0; s < bar; s++) {
        for (let e = s + 1; e <= bar; e++) {
          const parts = splitIntoValues(s, e, meter, 4);
          expect(parts[0]![0]).toBe(s);
          expect(parts.at(-1)![1]).toBe(e);
          parts.forEach(([a, b], i) => {
            expect(noteValue(b - a, 4)).toBeDefined();
            if (i > 0) expect(a).toBe(parts[i - 1]![1]);
          });
        }
      }
    }
  });
});

describe('toVoices', () => {
  const note = (pitch: number, start: number, end: number) => ({ pitch, start, end });

  it('makes notes with one onset and length a chord, and a held note beside moving ones a second voice', () => {
    const voices = toVoices([note(48, 0, 8), note(64, 0, 4), note(67, 0, 4), note(65, 4, 8)], (n) => n.pitch);
    expect(voices).toHaveLength(2);
    expect(voices[0]!.map((c) => c.notes.map((n) => n.pitch))).toEqual([[64, 67], [65]]);
    expect(voices[1]!.map((c) => c.notes.map((n) => n.pitch))).toEqual([[48]]);
  });

  it('never overlaps chords within a voice and stops at four voices', () => {
    const notes = Array.from({ length: 6 }, (_, i) => note(60 + i, 0, i + 1));
    const voices = toVoices(notes, (n) => n.pitch);
    expect(voices.length).toBeLessThanOrEqual(MAX_VOICES_PER_STAFF);
    for (const voice of voices) voice.forEach((c, i) => i > 0 && expect(c.start).toBeGreaterThanOrEqual(voice[i - 1]!.end));
    expect(
      voices
        .flat()
        .flatMap((c) => c.notes.map((n) => n.pitch))
        .sort(),
    ).toEqual([60, 61, 62, 63, 64, 65]);
  });
});
