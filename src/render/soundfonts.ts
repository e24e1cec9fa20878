/**
 * Chooses the General MIDI soundfont: an explicit choice (`--soundfont`, then `SOUNDFONT`), then
 * the first one dropped into the repository's `soundfonts/` folder, then the system's Debian GM
 * soundfonts. Explicit choices must exist — silently falling back would hide a typo.
 */
import { closeSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Environment } from '../config/env-file.js';
import { processEnvironment } from '../config/environment.js';
import { InvalidInputError, MissingDependencyError } from '../util/errors.js';

/** src/render/ and dist/render/ are both two levels below the repository root. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const PROJECT_SOUNDFONT_DIR = path.join(PROJECT_ROOT, 'soundfonts');

/** Debian's GM soundfonts, best first (fluid-soundfont-gm, then timgm6mb-soundfont, then alternatives). */
export const SYSTEM_SOUNDFONTS: readonly string[] = Object.freeze([
  '/usr/share/sounds/sf2/FluidR3_GM.sf2',
  '/usr/share/soundfonts/FluidR3_GM.sf2',
  '/usr/share/sounds/sf3/FluidR3_GM.sf3',
  '/usr/share/soundfonts/default.sf2',
  '/usr/share/sounds/sf2/default-GM.sf2',
  '/usr/share/sounds/sf2/TimGM6mb.sf2',
  '/usr/share/soundfonts/TimGM6mb.sf2',
]);

const SOUNDFONT_EXTENSIONS = new Set(['.sf2', '.sf3']);

export interface SoundfontSearch {
  /** `--soundfont` value. */
  readonly explicit?: string | undefined;
  /** Where SOUNDFONT is looked up; default the process's environment. */
  readonly env?: Environment;
  readonly projectDir?: string;
  readonly systemPaths?: readonly string[];
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function firstSoundfontIn(dir: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  return names
    .filter((name) => SOUNDFONT_EXTENSIONS.has(path.extname(name).toLowerCase()))
    .sort()
    .map((name) => path.join(dir, name))
    .find(isFile);
}

/** A SoundFont 2 file (.sf2, and .sf3 too) is a RIFF container of form type "sfbk". */
export function isSoundfontFile(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const header = Buffer.alloc(12);
    const read = readSync(fd, header, 0, 12, 0);
    return read === 12 && header.toString('latin1', 0, 4) === 'RIFF' && header.toString('latin1', 8, 12) === 'sfbk';
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

// FluidSynth falls back to its configured default soundfont when one fails to load, so a
// wrong file would silently render with another sound: check the header first.
function checkedChoice(file: string, source: string): string {
  if (!isFile(file)) throw new InvalidInputError(`soundfont ${file} (from ${source}) does not exist — expected an .sf2 or .sf3 file`);
  if (!isSoundfontFile(file)) throw new InvalidInputError(`${file} (from ${source}) is not a SoundFont — expected an .sf2 or .sf3 file`);
  return path.resolve(file);
}

export function resolveSoundfont(search: SoundfontSearch = {}): string {
  const env = search.env ?? processEnvironment();
  if (search.explicit !== undefined && search.explicit !== '') return checkedChoice(search.explicit, '{soundfont}');
  const fromEnv = env.SOUNDFONT;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return checkedChoice(fromEnv, 'SOUNDFONT');
  const projectDir = search.projectDir ?? PROJECT_SOUNDFONT_DIR;
  const fromProject = firstSoundfontIn(projectDir);
  if (fromProject !== undefined) return checkedChoice(fromProject, `${path.basename(projectDir)}/`);
  const system = (search.systemPaths ?? SYSTEM_SOUNDFONTS).find(isFile);
  if (system !== undefined) return system;
  throw new MissingDependencyError(
    'no General MIDI soundfont found — install one with `apt-get install fluid-soundfont-gm` ' +
      `(or timgm6mb-soundfont), put an .sf2 file in ${projectDir}, or pass {soundfont} / set SOUNDFONT`,
  );
}
