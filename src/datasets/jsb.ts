/**
 * JSB Chorales (Boulanger-Lewandowski et al., ICML 2012), from the JSON piano rolls in
 * `jsb-chorales/`, with the standard train/valid/test split.
 *
 * - `jsb`: `jsb-chorales-quarter.json`, one frame per quarter note; each frame lists the
 *   sounding pitches. This is the grid the published likelihood tables use.
 * - `jsb16`: `Jsb16thSeparated.json`, one frame per 16th note; each frame holds the four voices
 *   (soprano, alto, tenor, bass), -1 where a voice is silent.
 *
 * Conversion: all four voices go into one track. The frames cannot tell a held note from a
 * repeated one, so there are two readings:
 * - 'held' (default): a pitch sounding in consecutive frames becomes one held note. The chorales
 *   hold far more often than they repeat, so this gives the more faithful rhythm to learn from.
 * - 'frames': one note per sounding pitch per frame — the piano roll itself, frame by frame,
 *   the object the published frame likelihoods are about. A model reading it decides at each
 *   frame which pitches sound, instead of guessing a note's length at its onset.
 * (When two voices sing the same pitch it is one note.) No tempo or metre is stored: the pieces
 * get 4/4 at 80 BPM, velocity 80, and program 0 (acoustic grand piano).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { createPiece, type Note, type Piece } from '../music/piece.js';
import { InvalidInputError, MissingDependencyError } from '../util/errors.js';
import { SPLITS, type Dataset, type DatasetEntry } from './dataset.js';

export type JsbGrid = 'quarter' | '16th';

export const JSB_FILES: Readonly<Record<JsbGrid, string>> = {
  quarter: 'jsb-chorales/jsb-chorales-quarter.json',
  '16th': 'jsb-chorales/Jsb16thSeparated.json',
};

/** Frames per quarter note of each grid. */
export const JSB_STEPS_PER_QUARTER: Readonly<Record<JsbGrid, number>> = { quarter: 1, '16th': 4 };

export const JSB_BPM = 80;
export const JSB_VELOCITY = 80;

const frameSchema = z.array(z.number().int().min(-1).max(127));
const pieceSchema = z.array(frameSchema);
const fileSchema = z.object({ train: z.array(pieceSchema), valid: z.array(pieceSchema), test: z.array(pieceSchema) });

export type Frames = readonly (readonly number[])[];

/** How frames become notes (see the module comment). */
export type FrameReading = 'held' | 'frames';

/**
 * Frames of sounding pitches (negative = silent voice) → a one-track piece: a pitch held over
 * consecutive frames is one note ('held'), or one note per frame ('frames').
 *
 *     framesToPiece([[60, 64], [60, 65]], 1)            // C4 for 2 beats, E4 then F4 for 1 beat each
 *     framesToPiece([[60, 64], [60, 65]], 1, 'x', 'frames')  // C4 twice, E4, F4: 1 beat each
 */
export function framesToPiece(frames: Frames, framesPerQuarter: number, title?: string, reading: FrameReading = 'held'): Piece {
  const notes: Note[] = [];
  const heldSince = new Map<number, number>();
  const close = (pitch: number, start: number, end: number): void => {
    notes.push({ pitch, start: start / framesPerQuarter, duration: (end - start) / framesPerQuarter, velocity: JSB_VELOCITY });
  };
  frames.forEach((frame, index) => {
    const sounding = new Set(frame.filter((pitch) => pitch >= 0));
    for (const [pitch, start] of heldSince) {
      if (reading === 'frames' || !sounding.has(pitch)) {
        close(pitch, start, index);
        heldSince.delete(pitch);
      }
    }
    for (const pitch of sounding) if (!heldSince.has(pitch)) heldSince.set(pitch, index);
  });
  for (const [pitch, start] of heldSince) close(pitch, start, frames.length);
  return createPiece([{ name: 'chorale', program: 0, isDrum: false, notes }], {
    bpm: JSB_BPM,
    ...(title === undefined ? {} : { title }),
  });
}

/** The JSB chorales on one grid, as a data set with the standard split. */
export async function loadJsbDataset(root: string, grid: JsbGrid, reading: FrameReading = 'held'): Promise<Dataset> {
  const file = join(root, JSB_FILES[grid]);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new MissingDependencyError(`JSB chorales not found at ${file} (set RHYTHMIX_DATASETS to the data-set folder)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidInputError(
      `${file}: expected {train, valid, test} lists of frames of pitches` + (issue === undefined ? '' : ` (${issue.path.join('.')}: ${issue.message})`),
    );
  }
  const name = (grid === 'quarter' ? 'jsb' : 'jsb16') + (reading === 'frames' ? '-frames' : '');
  const entries: DatasetEntry[] = SPLITS.flatMap((split) =>
    parsed.data[split].map((frames, index): DatasetEntry => {
      const id = `${name}/${split}/${index}`;
      return {
        id,
        split,
        source: `${file}#${split}/${index}`,
        load: () => Promise.resolve(framesToPiece(frames, JSB_STEPS_PER_QUARTER[grid], id, reading)),
      };
    }),
  );
  return { name, style: 'classical', entries, prepare: (piece) => piece };
}
