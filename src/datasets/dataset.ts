/**
 * A data set as the rest of Rhythmix sees it: a named list of entries, each loadable into a
 * Piece on demand (so one bad file fails alone), with a style label and, where the source has
 * one, its standard split.
 */
import type { Piece } from '../music/piece.js';
import type { Style } from '../music/styles.js';

export const SPLITS = ['train', 'valid', 'test'] as const;
export type Split = (typeof SPLITS)[number];

export interface DatasetEntry {
  /** Stable id, unique within the data set, e.g. `nottingham/valid/ashover24.mid` or `jsb/train/12`. */
  readonly id: string;
  /** The standard split, where the source defines one. */
  readonly split?: Split;
  /** What to show a person: a file path, or the JSON file and index. */
  readonly source: string;
  /** The piece as stored; throws InvalidInputError when the source cannot be used. */
  load(): Promise<Piece>;
}

export interface Dataset {
  /** Short name, e.g. `nottingham`, `jsb`, or the folder's name. */
  readonly name: string;
  readonly style: Style;
  readonly entries: readonly DatasetEntry[];
  /**
   * What training sees of a stored piece, e.g. the game soundtracks' track selection
   * (see tracks.ts). Pure and deterministic.
   */
  prepare(piece: Piece): Piece;
}
