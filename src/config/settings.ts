/**
 * Settings that code deep in the program needs at run time, in the bot, the CLI and their worker
 * and child processes alike. Each is read from the live environment when asked for (a child sees
 * what its launcher gave it; `.env` is already in it once a loader ran) and validated by the same
 * zod field the start-up loaders use. This module and env-file.ts are the only readers of
 * process.env; everything else is handed values or an environment object.
 */
import path from 'node:path';
import type { z } from 'zod';
import { InvalidInputError } from '../util/errors.js';
import type { Environment } from './env-file.js';
import { problemLines } from './errors.js';
import { processEnvironment } from './environment.js';
import { runtimeShape } from './schema.js';

export { childProcessEnvironment, processEnvironment, SECRET_VARIABLES } from './environment.js';
export { midiLimitSettings, renderLimitSettings } from './limits.js';

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

export const DEFAULT_PIECES_DIR = 'data/pieces';

/** The pieces folder, absolute: `explicit`, else PIECES_DIR, else data/pieces (the bot, its shard manager and the web alike). */
export function piecesDirectory(explicit?: string, env: Environment = processEnvironment()): string {
  return path.resolve(explicit ?? piecesDirSetting(env) ?? DEFAULT_PIECES_DIR);
}

/** DISCORD_API_URL without trailing slashes (the simulator in tests); undefined = Discord itself. */
export function discordApiUrlSetting(env: Environment = processEnvironment()): string | undefined {
  return valid(runtimeShape.DISCORD_API_URL.safeParse(env.DISCORD_API_URL));
}

/** RHYTHMIX_DEBUG set: internal errors also print their stack. */
export function debugSetting(env: Environment = processEnvironment()): boolean {
  return valid(runtimeShape.RHYTHMIX_DEBUG.safeParse(env.RHYTHMIX_DEBUG));
}
