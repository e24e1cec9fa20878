import { describe, expect, it } from 'vitest';
import { pieceToMusicXml, spellPitch } from '../../src/music/musicxml.js';
import { barLengthBeats, createPiece, type Note, type Piece, type Track } from '../../src/music/piece.js';
import { demoPiece } from '../../src/render/demo-piece.js';
import { child, childText, children, parseXml, type XmlElement } from '../support/xml.js';
import { randomCanonicalPiece, rng } from './random-pieces.js';

const STEP_PC: Record<string, number> = { C: 0, D: 2, E: 4, F: 5, G: 7, A: 9, B: 11 };

interface ReadNote {
  pitch: number;
  start: number;
  duration: number;
}

interface ReadPart {
  /** Per measure: duration each voice fills. */
  voiceTotals: Array<Map<string, number>>;
  /** Notes with ties joined, in quarter notes. */
  notes: ReadNote[];
  /** Ties opened and closed (they must pair up). */
  tieStarts: number;
  tieStops: number;
  chords: number;
  staves: number;
  measures: XmlElement[];
}

/** Reads a part back as a MusicXML reader would: cursor, <chord/>, <backup>, ties joined. */
function readPart(part: XmlElement): ReadPart {
  let divisions = 1;
  let measureStart = 0;
  let staves = 1;
  const notes: ReadNote[] = [];
  const open = new Map<string, ReadNote>();
  const result: ReadPart = { voiceTotals: [], notes, tieStarts: 0, tieStops: 0, chords: 0, staves: 1, measures: children(part, 'measure') };
  for (const measure of result.measures) {
    const attributes = child(measure, 'attributes');
    if (attributes && childText(attributes, 'divisions')) divisions = Number(childText(attributes, 'divisions'));
    if (attributes && childText(attributes, 'staves')) staves = Number(childText(attributes, 'staves'));
    let cursor = 0;
    let previousStart = 0;
    let longest = 0;
    const totals = new Map<string, number>();
    for (const element of measure.children) {
      if (element.name === 'backup') cursor -= Number(childText(element, 'duration'));
      if (element.name !== 'note') continue;
      const duration = Number(childText(element, 'duration'));
      const voice = childText(element, 'voice') ?? '1';
      const isChord = child(element, 'chord') !== undefined;
      const start = isChord ? previousStart : cursor;
      if (isChord) result.chords++;
      else {
        totals.set(voice, (totals.get(voice) ?? 0) + duration);
        cursor += duration;
        previousStart = start;
      }
      longest = Math.max(longest, cursor);
      const pitch = child(element, 'pitch');
      if (!pitch) continue;
      const midi = (Number(childText(pitch, 'octave')) + 1) * 12 + STEP_PC[childText(pitch, 'step')!]! + Number(childText(pitch, 'alter') ?? 0);
      const ties = children(element, 'tie').map((t) => t.attributes.type);
      const key = `${voice}:${midi}`;
      const at = (measureStart + start) / divisions;
      if (ties.includes('stop')) {
        result.tieStops++;
        const held = open.get(key);
        if (!held || Math.abs(held.start + held.duration - at) > 1e-9) throw new Error(`tie stop at ${at} on ${midi} without a tie start before it`);
        held.duration += duration / divisions;
        if (!ties.includes('start')) open.delete(key);
      } else {
        const note = { pitch: midi, start: at, duration: duration / divisions };
        notes.push(note);
        if (ties.includes('start')) open.set(key, note);
      }
      if (ties.includes('start')) result.tieStarts++;
    }
    result.voiceTotals.push(totals);
    measureStart += longest;
  }
  if (open.size > 0) throw new Error('a tie is never closed');
  result.staves = staves;
  return result;
}

function readScore(xml: string) {
  const score = parseXml(xml);
  expect(score.name).toBe('score-partwise');
  const ids = children(child(score, 'part-list')!, 'score-part').map((p) => p.attributes.id);
  const parts = children(score, 'part');
  expect(parts.map((p) => p.attributes.id)).toEqual(ids);
  return { score, parts: parts.map(readPart) };
}

const sorted = (notes: readonly Pick<Note, 'pitch' | 'start' | 'duration'>[]) =>
  notes.map((n) => [n.start, n.pitch, n.duration] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);

const track = (name: string, notes: Array<[number, number, number]>, extra: Partial<Track> = {}): Track => ({
  name,
  program: 0,
  isDrum: false,
  notes: notes.map(([pitch, start, duration]) => ({ pitch, start, duration, velocity: 80 })),
  ...extra,
});

/** Every voice of every measure fills the bar of its metre exactly. */
function expectFullMeasures(piece: Piece, xml: string): void {
  const { parts } = readScore(xml);
  for (const part of parts) {
    part.voiceTotals.forEach((totals, m) => {
      const barBeats = barLengthBeats(piece.timeSignatures.at(-1)!);
      const divisions = Number(childText(child(part.measures[0]!, 'attributes')!, 'divisions'));
      expect(totals.size, `measure ${m + 1}`).toBeGreaterThan(0);
      for (const [voice, total] of totals) expect(total / divisions, `measure ${m + 1} voice ${voice}`).toBe(barBeats);
    });
  }
}

describe('pieceToMusicXml', () => {
  it('fills every measure of 4/4, 3/4 and 6/8 to its length, with ties across the bar lines', () => {
    for (const [numerator, denominator] of [
      [4, 4],
      [3, 4],
      [6, 8],
    ] as const) {
      const bar = barLengthBeats({ numerator, denominator });
      // A note from the middle of bar 1 to the middle of bar 3, and one starting off the grid's beat.
      const piece = createPiece(
        [
          track('flute', [
            [72, bar / 2, 2 * bar],
            [67, 0.25, 1.5],
            [60, 2 * bar + bar / 2 + 0.25, 0.5],
          ]),
        ],
        {
          timeSignature: { numerator, denominator },
        },
      );
      const xml = pieceToMusicXml(piece);
      expectFullMeasures(piece, xml);
      const { parts, score } = readScore(xml);
      expect(children(parts[0]!.measures[0]!, 'attributes').length).toBe(1);
      expect(childText(child(child(parts[0]!.measures[0]!, 'attributes')!, 'time')!, 'beats')).toBe(String(numerator));
      expect(parts[0]!.tieStarts).toBeGreaterThanOrEqual(2);
      expect(parts[0]!.tieStops).toBe(parts[0]!.tieStarts);
      expect(sorted(parts[0]!.notes)).toEqual(sorted(piece.tracks[0]!.notes));
      expect(children(score, 'part')[0]!.children.length).toBe(3);
    }
  });

  it('writes notes with one onset and length as a chord, and the key signature with its accidentals', () => {
    // G major: F# needs no sign, F natural does, and only the first F natural of the bar.
    const piece: Piece = {
      ...createPiece([
        track('piano', [
          [67, 0, 1],
          [71, 0, 1],
          [74, 0, 1],
          [66, 1, 1],
          [65, 2, 1],
          [65, 3, 1],
        ]),
      ]),
      key: { tonicPitchClass: 7, mode: 'major' },
    };
    const xml = pieceToMusicXml(piece);
    const { parts, score } = readScore(xml);
    expect(parts[0]!.chords).toBe(2);
    const measure = children(child(score, 'part')!, 'measure')[0]!;
    expect(childText(child(child(measure, 'attributes')!, 'key')!, 'fifths')).toBe('1');
    const accidentals = children(measure, 'note').map((n) => childText(n, 'accidental') ?? '');
    expect(accidentals).toEqual(['', '', '', '', 'natural', '']);
    expect(sorted(parts[0]!.notes)).toEqual(sorted(piece.tracks[0]!.notes));
  });

  it('writes one part per track, a grand staff for a track on both sides of middle C, and a percussion staff for drums', () => {
    const piece = demoPiece({ bars: 4 });
    const xml = pieceToMusicXml(piece, { title: 'Demo & <test>' });
    const { score, parts } = readScore(xml);
    expect(childText(child(score, 'work')!, 'work-title')).toBe('Demo & <test>');
    expect(parts).toHaveLength(piece.tracks.filter((t) => t.notes.length > 0).length);
    const clefs = children(score, 'part').map((p) => children(child(children(p, 'measure')[0]!, 'attributes')!, 'clef').map((c) => childText(c, 'sign')));
    expect(clefs).toContainEqual(['percussion']);
    expect(clefs).toContainEqual(['G', 'F']);
    expect(parts.some((p) => p.staves === 2)).toBe(true);
    expectFullMeasures(piece, xml);
    piece.tracks.forEach((t, i) => {
      if (!t.isDrum) expect(sorted(parts[i]!.notes)).toEqual(sorted(t.notes));
    });
  });

  it('round-trips the pitches and onsets of random pieces (lengths kept or, past four voices, shortened)', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const piece = randomCanonicalPiece(rng(seed), { stepsPerQuarter: 4, maxTracks: 3 });
      const pitched = piece.tracks.filter((t) => !t.isDrum && t.notes.length > 0);
      const { parts } = readScore(pieceToMusicXml({ ...piece, tracks: pitched }));
      pitched.forEach((t, i) => {
        const back = parts[i]!.notes;
        const onsets = (notes: readonly { pitch: number; start: number }[]) => notes.map((n) => `${n.pitch}@${n.start}`).sort();
        expect(onsets(back), `seed ${seed} track ${i}`).toEqual(onsets(t.notes));
        for (const n of back) {
          const original = t.notes.find((o) => o.pitch === n.pitch && o.start === n.start)!;
          expect(n.duration).toBeLessThanOrEqual(original.duration + 1e-9);
        }
      });
    }
  });

  it('writes an empty piece as one part of whole-bar rests', () => {
    const { parts } = readScore(pieceToMusicXml(createPiece([])));
    expect(parts).toHaveLength(1);
    expect(parts[0]!.notes).toEqual([]);
  });
});

describe('spellPitch', () => {
  it('spells with the key: flats in flat keys, E# in F# major, naturals where they are diatonic', () => {
    expect(spellPitch(70, -1)).toEqual({ step: 'B', alter: -1, octave: 4 });
    expect(spellPitch(70, 2)).toEqual({ step: 'A', alter: 1, octave: 4 });
    expect(spellPitch(65, 6)).toEqual({ step: 'E', alter: 1, octave: 4 });
    expect(spellPitch(60, 0)).toEqual({ step: 'C', alter: 0, octave: 4 });
    expect(spellPitch(59, -6)).toEqual({ step: 'C', alter: -1, octave: 4 });
  });
});
