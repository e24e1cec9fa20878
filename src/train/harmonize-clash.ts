/**
 * The report's harmonization clash rate (issue #18, docs/harmonize.md): held-out melodies — the
 * soprano lines of the JSB chorales' test split — harmonized by a model, measured with `clashRate`
 * (src/music/clash.ts) on strong beats against Bach's own alto, tenor and bass under the same
 * sopranos and against chance (the next chorale's lower voices, an accompaniment that does not
 * listen to the melody). Pure measurement: the harmonizing is done by the report use case
 * (src/app/report.ts), which hands the takes in.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { clashRate, strongBeats, sumClashCounts, type ClashCount } from '../music/clash.js';
import { createPiece, type Note, type Piece } from '../music/piece.js';
import type { Style } from '../music/styles.js';

/** The separated chorales' frames: one frame per 16th, one pitch (or -1) per voice, soprano first. */
export type ChoraleFrames = readonly (readonly number[])[];
const FRAMES_PER_QUARTER = 4;
const CHORALES_FILE = path.join('jsb-chorales', 'Jsb16thSeparated.json');

/** A held-out melody and Bach's accompaniment of it, in quarter notes. */
export interface Chorale {
  /** The soprano as a one-track piece (4/4 from the first frame: the chorales carry no metre). */
  readonly melody: Piece;
  /** Alto, tenor and bass. */
  readonly lower: readonly Note[];
  /** Length in quarter notes. */
  readonly end: number;
}

/** One voice of the separated frames as notes (a pitch held over consecutive frames is one note). */
export function voiceNotes(frames: ChoraleFrames, voice: number): Note[] {
  const notes: Note[] = [];
  let start = -1;
  let pitch = -1;
  const close = (end: number) => {
    if (pitch >= 0) notes.push({ pitch, start: start / FRAMES_PER_QUARTER, duration: (end - start) / FRAMES_PER_QUARTER, velocity: 80 });
  };
  frames.forEach((frame, i) => {
    const p = frame[voice] ?? -1;
    if (p !== pitch) {
      close(i);
      pitch = p;
      start = i;
    }
  });
  close(frames.length);
  return notes;
}

export function chorale(frames: ChoraleFrames): Chorale {
  const soprano = voiceNotes(frames, 0);
  return {
    melody: createPiece([{ name: 'soprano', program: 0, isDrum: false, notes: soprano }], { bpm: 80 }),
    lower: [1, 2, 3].flatMap((v) => voiceNotes(frames, v)),
    end: frames.length / FRAMES_PER_QUARTER,
  };
}

/** The JSB chorales' test split (`Jsb16thSeparated.json` under the data-set folder). */
export async function loadTestChorales(datasetsRoot: string): Promise<Chorale[]> {
  const file = path.join(datasetsRoot, CHORALES_FILE);
  const parsed = JSON.parse(await readFile(file, 'utf8')) as { test: number[][][] };
  return parsed.test.map(chorale);
}

const melodyNotes = (c: Chorale): readonly Note[] => c.melody.tracks[0]?.notes ?? [];

/** Bach's clash rate on strong beats, and chance: each soprano over the next chorale's lower voices (the shorter length). */
export function referenceClash(chorales: readonly Chorale[]): { pieces: number; bach: ClashCount; chance: ClashCount } {
  const bach: ClashCount[] = [];
  const chance: ClashCount[] = [];
  chorales.forEach((c, i) => {
    bach.push(clashRate(melodyNotes(c), c.lower, strongBeats(c.melody, c.end)));
    const other = chorales[(i + 1) % chorales.length] as Chorale;
    chance.push(clashRate(melodyNotes(c), other.lower, strongBeats(c.melody, Math.min(c.end, other.end))));
  });
  return { pieces: chorales.length, bach: sumClashCounts(bach), chance: sumClashCounts(chance) };
}

/** One harmonized take: the chorale whose soprano was the melody, the result, and whether track 0 kept the melody. */
export interface HarmonizedTake {
  readonly chorale: Chorale;
  readonly piece: Piece;
  readonly melodyKept: boolean;
}

export interface HarmonizeClashRow {
  model: string;
  style: Style;
  /** Melodies harmonized (one take each). */
  takes: number;
  /** Takes whose first track is the melody as given. */
  melodyKept: number;
  /** Accompaniment (every pitched track after the first) against the melody on strong beats. */
  harmonized: ClashCount;
  /** Bach's lower voices under the same melodies. */
  bach: ClashCount;
  /** Another chorale's lower voices under each melody. */
  chance: ClashCount;
}

/** The clash row of one (model, style) from its takes; Bach and chance over the same chorales. */
export function harmonizeClashRow(model: string, style: Style, takes: readonly HarmonizedTake[]): HarmonizeClashRow {
  const reference = referenceClash(takes.map((t) => t.chorale));
  const harmonized = takes.map(({ chorale: c, piece }) => {
    const accompaniment = piece.tracks.slice(1).flatMap((t) => (t.isDrum ? [] : t.notes));
    return clashRate(melodyNotes(c), accompaniment, strongBeats(c.melody, c.end));
  });
  return {
    model,
    style,
    takes: takes.length,
    melodyKept: takes.filter((t) => t.melodyKept).length,
    harmonized: sumClashCounts(harmonized),
    bach: reference.bach,
    chance: reference.chance,
  };
}
