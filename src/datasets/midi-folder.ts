/**
 * A folder of MIDI files (searched recursively, `.mid` / `.midi`) as a data set. A folder named
 * `train`, `valid` or `test` — the folder itself or the first folder inside it, as in
 * `nottingham/train/…` — gives its files that standard split.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import type { Piece } from '../music/piece.js';
import type { Style } from '../music/styles.js';
import { parseMidi } from '../midi/read.js';
import type { MidiLimits } from '../midi/limits.js';
import { InvalidInputError } from '../util/errors.js';
import { SPLITS, type Dataset, type DatasetEntry, type Split } from './dataset.js';

const MIDI_EXTENSION = /\.midi?$/i;

/** MIDI files under `dir`, sorted by path so every listing is in the same order. */
export async function listMidiFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    const children = await readdir(folder, { withFileTypes: true });
    for (const child of children) {
      const path = join(folder, child.name);
      if (child.isDirectory()) await walk(path);
      else if (child.isFile() && MIDI_EXTENSION.test(child.name)) found.push(path);
    }
  };
  await walk(dir);
  return found.sort();
}

function standardSplit(relativePath: string): Split | undefined {
  const first = relativePath.split(sep)[0];
  return SPLITS.find((split) => split === first);
}

/** One entry per MIDI file; `load` reads and parses it with the given limits. */
export function midiFileEntry(path: string, id: string, split: Split | undefined, limits: Partial<MidiLimits>): DatasetEntry {
  return {
    id,
    ...(split === undefined ? {} : { split }),
    source: path,
    load: async (): Promise<Piece> => {
      const piece = parseMidi(await readFile(path), limits);
      return { ...piece, title: id };
    },
  };
}

export interface MidiFolderOptions {
  readonly name: string;
  readonly style: Style;
  readonly prepare: (piece: Piece) => Piece;
  readonly limits?: Partial<MidiLimits>;
}

/** A folder (or a single MIDI file) as a data set; ids are `<name>/<path inside the folder>`. */
export async function loadMidiFolder(path: string, options: MidiFolderOptions): Promise<Dataset> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch {
    throw new InvalidInputError(`data set folder not found: ${path}`);
  }
  const files = info.isDirectory() ? await listMidiFiles(path) : [path];
  if (info.isDirectory() && files.length === 0) {
    throw new InvalidInputError(`no MIDI files (.mid, .midi) in ${path}`);
  }
  // A folder named like a split (e.g. nottingham/valid) is that split throughout.
  const folderSplit = SPLITS.find((split) => split === basename(path));
  const entries = files.map((file) => {
    const inside = info.isDirectory() ? relative(path, file) : basename(file);
    const id = `${options.name}/${inside.split(sep).join('/')}`;
    const split = info.isDirectory() ? (folderSplit ?? standardSplit(inside)) : undefined;
    return midiFileEntry(file, id, split, options.limits ?? {});
  });
  return { name: options.name, style: options.style, entries, prepare: options.prepare };
}
