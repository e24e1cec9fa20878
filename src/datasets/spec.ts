/**
 * Data-set specs as typed on the command line:
 *
 *   jsb          JSB chorales, quarter-note grid (classical)
 *   jsb-frames   the same, one note per sounding pitch per frame: the piano roll as the
 *                published frame likelihoods see it (jsb-bench reads the chorales this way)
 *   jsb16        JSB chorales, 16th-note grid, voices separated (classical)
 *   nottingham   Nottingham folk tunes, train + valid (folk)
 *   game         Freedoom, OpenMSX and Planet Blupi soundtracks (game)
 *   PATH         a folder of MIDI files (or one file); the style is given with --style or
 *                inferred from the path (nottingham/folk → folk, jsb/chorale/bach/classical →
 *                classical, game/freedoom/openmsx/blupi → game)
 *
 * Named sets are looked up in the shared data-set folder (see paths.ts).
 */
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Piece } from '../music/piece.js';
import { STYLES, type Style } from '../music/styles.js';
import { DEFAULT_VOCABULARY_SPEC } from '../music/vocabulary.js';
import type { MidiLimits } from '../midi/limits.js';
import { InvalidInputError } from '../util/errors.js';
import type { Dataset } from './dataset.js';
import { loadJsbDataset } from './jsb.js';
import { loadMidiFolder } from './midi-folder.js';
import { datasetsRoot } from './paths.js';
import { selectTracks } from './tracks.js';
import { quoteInput } from '../util/text.js';

export const NAMED_DATASETS = ['jsb', 'jsb-frames', 'jsb16', 'nottingham', 'game'] as const;
export type NamedDataset = (typeof NAMED_DATASETS)[number];

export const GAME_FOLDERS = ['freedoom', 'openmsx', 'planetblupi'] as const;
/** Pitched instruments kept per game piece (plus one merged drum track). */
export const GAME_MAX_INSTRUMENTS = 4;

const STYLE_HINTS: ReadonlyArray<{ pattern: RegExp; style: Style }> = [
  { pattern: /nottingham|folk/i, style: 'folk' },
  { pattern: /jsb|chorale|bach|classical/i, style: 'classical' },
  { pattern: /game|freedoom|openmsx|blupi/i, style: 'game' },
];

export interface OpenDatasetOptions {
  /** The shared data-set folder; default from paths.ts. */
  readonly root?: string;
  /** Style of a folder spec; overrides what the path suggests. */
  readonly style?: Style;
  readonly limits?: Partial<MidiLimits>;
  /** Most tracks a prepared piece may keep (the vocabulary's track tokens). */
  readonly maxTracks?: number;
}

/** The style a path suggests, or undefined. */
export function inferStyle(path: string): Style | undefined {
  return STYLE_HINTS.find(({ pattern }) => pattern.test(path))?.style;
}

/** Game soundtracks: at most four instruments and the drums (see tracks.ts). */
export function prepareGamePiece(piece: Piece): Piece {
  return selectTracks(piece, { maxInstruments: GAME_MAX_INSTRUMENTS, keepDrums: true });
}

/** Other MIDI: everything, unless there are more tracks than the language has track tokens. */
function capTracks(maxTracks: number): (piece: Piece) => Piece {
  return (piece) => {
    if (piece.tracks.length <= maxTracks) return piece;
    const hasDrums = piece.tracks.some((t) => t.isDrum);
    return selectTracks(piece, { maxInstruments: hasDrums ? maxTracks - 1 : maxTracks, keepDrums: true });
  };
}

function isNamed(spec: string): spec is NamedDataset {
  return (NAMED_DATASETS as readonly string[]).includes(spec);
}

/** Open a data set from its spec; throws InvalidInputError for an unknown spec or missing folder. */
export async function openDataset(spec: string, options: OpenDatasetOptions = {}): Promise<Dataset> {
  const root = options.root ?? datasetsRoot();
  const limits = options.limits ?? {};
  const maxTracks = options.maxTracks ?? DEFAULT_VOCABULARY_SPEC.maxTracks;
  if (isNamed(spec)) {
    switch (spec) {
      case 'jsb':
        return loadJsbDataset(root, 'quarter');
      case 'jsb-frames':
        return loadJsbDataset(root, 'quarter', 'frames');
      case 'jsb16':
        return loadJsbDataset(root, '16th');
      case 'nottingham':
        return loadMidiFolder(join(root, 'nottingham'), {
          name: 'nottingham',
          style: 'folk',
          prepare: capTracks(maxTracks),
          limits,
        });
      case 'game': {
        const parts = await Promise.all(
          GAME_FOLDERS.map((folder) =>
            loadMidiFolder(join(root, 'game-music', folder), {
              name: `game/${folder}`,
              style: 'game',
              prepare: prepareGamePiece,
              limits,
            }),
          ),
        );
        return { name: 'game', style: 'game', entries: parts.flatMap((p) => p.entries), prepare: prepareGamePiece };
      }
    }
  }
  const path = resolve(spec);
  const style = options.style ?? inferStyle(path);
  if (style === undefined) {
    throw new InvalidInputError(
      `cannot tell the style of data set ${quoteInput(spec)}: pass {style} (${STYLES.join(', ')}) ` + `or use one of ${NAMED_DATASETS.join(', ')}`,
      { field: 'style' },
    );
  }
  // Inside the shared folder, name the set by its place there (e.g. "nottingham/valid").
  const inside = relative(resolve(root), path);
  const name = inside !== '' && !inside.startsWith('..') && !isAbsolute(inside) ? inside.split(sep).join('/') : basename(path);
  return loadMidiFolder(path, {
    name,
    style,
    prepare: style === 'game' ? prepareGamePiece : capTracks(maxTracks),
    limits,
  });
}
