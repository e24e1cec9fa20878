/**
 * Settings that code deep in the program needs at run time, in the bot, the CLI and their worker
 * and child processes alike. Each is read from the live environment when asked for (a child sees
 * what its launcher gave it; `.env` is already in it once a loader ran) and validated by the same
 * zod field the start-up loaders use. This module and env-file.ts are the only readers of
 * process.env; everything else is handed values or an environment object.
 */
import type { z } from 'zod';
import { InvalidInputError } from '../util/errors.js';
import { withHugePageMalloc } from '../util/huge-pages.js';
import type { Environment } from './env-file.js';
import { problemLines } from './errors.js';
import { limitShape, MIDI_LIMIT_ENV, RENDER_LIMIT_ENV, runtimeShape, SECRET_VARIABLES, type LimitVariable } from './schema.js';

/** The process's environment, for lookups that need it whole (PATH for tools, a child's environment). */
export function processEnvironment(): Environment {
  return process.env;
}

/**
 * The environment for heavy child processes: the parent's minus secrets (heavy work never needs
 * the Discord token), with huge pages for malloc — a render's PCM (23 MB a minute) is then mapped
 * with a few page faults instead of thousands, about 10 % faster renders on a VM (docs/rendering.md).
 */
export function childProcessEnvironment(env: Environment = processEnvironment()): NodeJS.ProcessEnv {
  const child = withHugePageMalloc({ ...env });
  for (const name of SECRET_VARIABLES) delete child[name];
  return child;
}

/** The value, or an InvalidInputError whose message names the variable and what to set. */
function valid<T>(result: z.ZodSafeParseResult<T>): T {
  if (result.success) return result.data;
  throw new InvalidInputError(problemLines(result.error).join('; '));
}

/** DATABASE_URL, or the default file:./data/rhythmix.db. */
export function databaseUrlSetting(env: Environment = processEnvironment()): string {
  return valid(runtimeShape.DATABASE_URL.safeParse(env.DATABASE_URL));
}

/** RHYTHMIX_MODEL: the model used when none is named; undefined = the registry's or the bundled one. */
export function modelSetting(env: Environment = processEnvironment()): string | undefined {
  return valid(runtimeShape.RHYTHMIX_MODEL.safeParse(env.RHYTHMIX_MODEL));
}

/** RHYTHMIX_MODELS_DIR: where named models live; undefined = <package>/models. */
export function modelsDirSetting(env: Environment = processEnvironment()): string | undefined {
  return valid(runtimeShape.RHYTHMIX_MODELS_DIR.safeParse(env.RHYTHMIX_MODELS_DIR));
}

/** RHYTHMIX_DATASETS: the shared data-set folder; undefined = ../shared/datasets beside the project. */
export function datasetsDirSetting(env: Environment = processEnvironment()): string | undefined {
  return valid(runtimeShape.RHYTHMIX_DATASETS.safeParse(env.RHYTHMIX_DATASETS));
}

/** PIECES_DIR: where the bot keeps composed pieces; undefined = data/pieces. */
export function piecesDirSetting(env: Environment = processEnvironment()): string | undefined {
  return valid(runtimeShape.PIECES_DIR.safeParse(env.PIECES_DIR));
}

/** DISCORD_API_URL without trailing slashes (the simulator in tests); undefined = Discord itself. */
export function discordApiUrlSetting(env: Environment = processEnvironment()): string | undefined {
  return valid(runtimeShape.DISCORD_API_URL.safeParse(env.DISCORD_API_URL));
}

/** RHYTHMIX_DEBUG set: internal errors also print their stack. */
export function debugSetting(env: Environment = processEnvironment()): boolean {
  return valid(runtimeShape.RHYTHMIX_DEBUG.safeParse(env.RHYTHMIX_DEBUG));
}

/** The limits set in the environment, by key; unset ones are left out (their defaults apply). */
function limitsFrom<K extends string>(names: Readonly<Record<K, LimitVariable>>, env: Environment): Partial<Record<K, number>> {
  const limits: Partial<Record<K, number>> = {};
  for (const key of Object.keys(names) as K[]) {
    const value = valid(limitShape[names[key]].safeParse(env[names[key]]));
    if (value !== undefined) limits[key] = value;
  }
  return limits;
}

/** RHYTHMIX_MAX_MIDI_* / RHYTHMIX_MIN_MIDI_BPM, for resolveMidiLimits. */
export function midiLimitSettings(env: Environment = processEnvironment()): Partial<Record<keyof typeof MIDI_LIMIT_ENV, number>> {
  return limitsFrom(MIDI_LIMIT_ENV, env);
}

/** RHYTHMIX_MAX_RENDER_SECONDS / RHYTHMIX_RENDER_TIMEOUT_SECONDS, for resolveRenderLimits. */
export function renderLimitSettings(env: Environment = processEnvironment()): Partial<Record<keyof typeof RENDER_LIMIT_ENV, number>> {
  return limitsFrom(RENDER_LIMIT_ENV, env);
}
