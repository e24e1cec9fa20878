import { describe, expect, it } from 'vitest';
import {
  appendPiece,
  assertValidPiece,
  barCount,
  barLengthBeats,
  barStartBeats,
  beatsToSeconds,
  createPiece,
  endOnBarLine,
  firstBars,
  frameCount,
  mergeRepeatedNotes,
  mergeTracks,
  mergeTracksByInstrument,
  splitNotesIntoFrames,
  noteCount,
  pieceLengthBeats,
  pitchRange,
  slicePiece,
  tempoAt,
  timeSignatureAt,
  transposePiece,
  type Piece,
} from '../../src/music/piece.js';

describe('Piece', () => {
  const piece = createPiece(
    [
      {
        name: 'lead',
        program: 0,
        isDrum: false,
        notes: [
          { pitch: 64, start: 1, duration: 1, velocity: 80 },
          { pitch: 60, start: 0, duration: 2, velocity: 80 },
        ],
      },
    ],
    { bpm: 90 },
  );

  it('sorts notes canonically and measures length', () => {
    expect(piece.tracks[0]?.notes.map((n) => n.pitch)).toEqual([60, 64]);
    expect(pieceLengthBeats(piece)).toBe(2);
    expect(noteCount(piece)).toBe(2);
  });

  it('converts beats to seconds through a tempo map', () => {
    expect(beatsToSeconds(piece, 3)).toBeCloseTo(2);
    const twoTempos = {
      tempos: [
        { time: 0, bpm: 120 },
        { time: 4, bpm: 60 },
      ],
    };
    expect(beatsToSeconds(twoTempos, 6)).toBeCloseTo(2 + 2);
  });

  it('knows bar lengths', () => {
    expect(barLengthBeats({ numerator: 6, denominator: 8 })).toBe(3);
    expect(barLengthBeats({ numerator: 4, denominator: 4 })).toBe(4);
  });
});

describe('Piece operations', () => {
  const n = (pitch: number, start: number, duration: number) => ({ pitch, start, duration, velocity: 80 });
  const lead = { name: 'lead', program: 0, isDrum: false, notes: [n(60, 0, 1), n(62, 3, 2), n(64, 6, 4)] };
  const kit = { name: 'kit', program: 0, isDrum: true, notes: [n(36, 0, 0.25), n(38, 4, 0.25)] };
  const piece: Piece = {
    ...createPiece([lead, kit]),
    timeSignatures: [
      { time: 0, numerator: 4, denominator: 4 },
      { time: 6, numerator: 3, denominator: 4 },
    ],
  };

  it('validates pieces with messages naming the offending value', () => {
    expect(() => assertValidPiece(piece)).not.toThrow();
    const bad = (change: Partial<Piece>) => () => assertValidPiece({ ...piece, ...change });
    expect(bad({ tracks: [{ ...lead, notes: [n(60, 0, 0)] }] })).toThrow('invalid piece: track 0 note 0 lasts 0, expected a finite duration > 0');
    expect(bad({ tracks: [{ ...lead, notes: [{ ...n(60, 0, 1), velocity: 0 }] }] })).toThrow(/velocity 0, expected an integer 1\.\.127/);
    expect(bad({ tracks: [{ ...lead, program: 128 }] })).toThrow(/track 0 has program 128/);
    expect(bad({ tracks: [{ ...lead, notes: [n(60, Number.NaN, 1)] }] })).toThrow(/starts at NaN/);
    expect(bad({ tempos: [{ time: 1, bpm: 120 }] })).toThrow(/first tempo is at 1, expected 0/);
    expect(bad({ tempos: [{ time: 0, bpm: 0 }] })).toThrow(/tempo 0 bpm/);
    expect(bad({ timeSignatures: [{ time: 0, numerator: 3, denominator: 5 }] })).toThrow(/time signature 3\/5/);
    expect(
      bad({
        timeSignatures: [
          { time: 0, numerator: 4, denominator: 4 },
          { time: 8, numerator: 3, denominator: 4 },
          { time: 4, numerator: 2, denominator: 4 },
        ],
      }),
    ).toThrow(/time signature 2 at 4 is out of order/);
  });

  it('counts bars as barStartBeats places them, in one pass over thousands of metre changes', () => {
    const naive = (p: Piece): number => {
      let bars = 0;
      while (barStartBeats(p, bars) < pieceLengthBeats(p) - 1e-9) bars++;
      return bars;
    };
    // Changes mid-bar, at the same time twice, of every length: the one-pass count agrees.
    const metres = [
      [0, 4, 4],
      [2.5, 3, 8],
      [2.5, 6, 8],
      [7, 5, 4],
      [21, 1, 32],
      [21.0625, 7, 16],
    ] as const;
    for (const end of [0.5, 2.5, 3, 7, 20, 21.05, 21.0625, 30, 100]) {
      const p: Piece = {
        ...createPiece([{ ...lead, notes: [n(60, 0, end)] }]),
        timeSignatures: metres.map(([time, numerator, denominator]) => ({ time, numerator, denominator })),
      };
      expect(barCount(p), `end ${end}`).toBe(naive(p));
    }
    // 10,000 metre changes over 60,000 beats (about 480,000 bars of 1/32 and 3/32) — quadratic
    // counting took ten seconds on this.
    const flood: Piece = {
      ...createPiece([{ ...lead, notes: [n(60, 0, 60_000)] }]),
      timeSignatures: Array.from({ length: 10_000 }, (_, i) => ({ time: i * 6, numerator: i % 2 ? 3 : 1, denominator: 32 })),
    };
    // Each 6-beat stretch holds 48 bars of 1/32 or 16 of 3/32.
    expect(barCount(flood)).toBe(5000 * 48 + 5000 * 16);
  });

  it('finds bars across metre changes, frames, maps in effect', () => {
    expect([0, 1, 2, 3].map((i) => barStartBeats(piece, i))).toEqual([0, 4, 6, 9]);
    expect(barCount(piece)).toBe(4); // the last note (beats 6..10) reaches into the bar at 9
    expect(frameCount(piece)).toBe(10);
    expect(frameCount(piece, 4)).toBe(40);
    expect(frameCount(createPiece([{ ...lead, notes: [n(60, 0, 2.5)] }]), 1)).toBe(3);
    expect(timeSignatureAt(piece, 7).numerator).toBe(3);
    expect(
      tempoAt(
        {
          tempos: [
            { time: 0, bpm: 100 },
            { time: 2, bpm: 60 },
          ],
        },
        2,
      ),
    ).toBe(60);
  });

  it('transposes pitched tracks only, refusing to leave the MIDI range', () => {
    const up = transposePiece(piece, 5);
    expect(up.tracks[0]?.notes.map((x) => x.pitch)).toEqual([65, 67, 69]);
    expect(up.tracks[1]?.notes.map((x) => x.pitch)).toEqual([36, 38]);
    expect(pitchRange(piece)).toEqual({ min: 60, max: 64 });
    expect(() => transposePiece(piece, 64)).toThrow(/cannot transpose by 64: pitches 60\.\.64 would leave the MIDI range/);
  });

  it('slices bars, cutting notes at the end and keeping the metre in effect', () => {
    const first = firstBars(piece, 2);
    expect(first.tracks[0]?.notes).toEqual([n(60, 0, 1), n(62, 3, 2)]);
    expect(firstBars(piece, 1).tracks[0]?.notes).toEqual([n(60, 0, 1), n(62, 3, 1)]);
    const third = slicePiece(piece, 6, 9);
    expect(third.tracks[0]?.notes).toEqual([n(64, 0, 3)]);
    expect(third.timeSignatures).toEqual([{ time: 0, numerator: 3, denominator: 4 }]);
    expect(() => firstBars(piece, 0)).toThrow(/positive integer, got 0/);
  });

  it('appends a piece after the bar line, joining tracks by instrument', () => {
    const tail = createPiece([
      { ...kit, notes: [n(42, 0, 0.25)] },
      { name: 'bass', program: 33, isDrum: false, notes: [n(40, 1, 1)] },
    ]);
    const joined = appendPiece(piece, tail);
    expect(endOnBarLine(piece)).toBe(12);
    expect(joined.tracks.map((t) => t.name)).toEqual(['lead', 'kit', 'bass']);
    expect(joined.tracks[1]?.notes.map((x) => [x.pitch, x.start])).toEqual([
      [36, 0],
      [38, 4],
      [42, 12],
    ]);
    expect(joined.tracks[2]?.notes).toEqual([n(40, 13, 1)]);
    expect(joined.timeSignatures).toEqual([...piece.timeSignatures, { time: 12, numerator: 4, denominator: 4 }]);
    const overlaid = appendPiece(piece, tail, { at: 5 });
    expect(overlaid.tracks[2]?.notes[0]?.start).toBe(6);
    expect(overlaid.tracks[0]?.notes).toEqual(lead.notes);
    expect(overlaid.timeSignatures).toEqual([
      { time: 0, numerator: 4, denominator: 4 },
      { time: 5, numerator: 4, denominator: 4 },
    ]);
  });

  it('merges tracks', () => {
    const two = createPiece([lead, { ...lead, name: 'copy', notes: [n(48, 0, 2)] }, kit, { ...kit, name: 'kit2', notes: [n(49, 1, 1)] }]);
    const merged = mergeTracks(two, [0, 1]);
    expect(merged.tracks.map((t) => t.name)).toEqual(['lead', 'kit', 'kit2']);
    expect(merged.tracks[0]?.notes.map((x) => x.pitch)).toEqual([48, 60, 62, 64]);
    const byInstrument = mergeTracksByInstrument(two);
    expect(byInstrument.tracks.map((t) => [t.name, t.notes.length])).toEqual([
      ['lead', 4],
      ['kit', 3],
    ]);
    expect(() => mergeTracks(two, [0, 9])).toThrow(/no track 9 to merge/);
  });
});

describe('frame-by-frame notes', () => {
  const note = (pitch: number, start: number, duration: number, velocity = 80) => ({ pitch, start, duration, velocity });
  const piece = createPiece([
    { name: 'voices', program: 0, isDrum: false, notes: [note(60, 0, 2.5), note(64, 0.5, 1), note(67, 3, 1)] },
    { name: 'drums', program: 0, isDrum: true, notes: [note(36, 0, 1), note(36, 1, 1)] },
  ]);

  it('cuts pitched notes at every frame boundary they span and leaves drums alone', () => {
    const split = splitNotesIntoFrames(piece, 1);
    expect(split.tracks[0]!.notes.map((n) => [n.pitch, n.start, n.duration])).toEqual([
      [60, 0, 1],
      [64, 0.5, 0.5],
      [60, 1, 1],
      [64, 1, 0.5],
      [60, 2, 0.5],
      [67, 3, 1],
    ]);
    expect(split.tracks[1]).toEqual(piece.tracks[1]);
    expect(() => splitNotesIntoFrames(piece, 0)).toThrow(/positive/);
  });

  it('merges repeats without a gap back into held notes, keeping the first velocity', () => {
    expect(mergeRepeatedNotes(splitNotesIntoFrames(piece, 1))).toEqual(piece);
    const repeated = createPiece([{ name: 'x', program: 0, isDrum: false, notes: [note(60, 0, 1, 90), note(60, 1, 1, 40), note(60, 2.5, 1)] }]);
    expect(mergeRepeatedNotes(repeated).tracks[0]!.notes).toEqual([note(60, 0, 2, 90), note(60, 2.5, 1)]);
  });
});
