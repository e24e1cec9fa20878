/**
 * Finds the external programs rendering needs. Both are plain command-line tools (no audio
 * driver, no daemon), so a missing one is an installation problem: the error names the Debian
 * package and the environment variable that points at a custom build.
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import type { Environment } from '../config/env-file.js';
import { processEnvironment } from '../config/environment.js';
import { MissingDependencyError } from '../util/errors.js';

export interface RenderTools {
  readonly fluidsynth: string;
  readonly ffmpeg: string;
}

interface ToolSpec {
  readonly command: string;
  readonly envVar: string;
  readonly debianPackage: string;
  readonly purpose: string;
}

export const FLUIDSYNTH: ToolSpec = Object.freeze({
  command: 'fluidsynth',
  envVar: 'FLUIDSYNTH_PATH',
  debianPackage: 'fluidsynth',
  purpose: 'to turn MIDI into audio',
});

export const FFMPEG: ToolSpec = Object.freeze({
  command: 'ffmpeg',
  envVar: 'FFMPEG_PATH',
  debianPackage: 'ffmpeg',
  purpose: 'to encode Ogg/Opus',
});

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** First executable `command` on the PATH, or undefined. */
export function findOnPath(command: string, env: Environment = processEnvironment()): string | undefined {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '');
  for (const dir of dirs) {
    const candidate = path.join(dir, command);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** The tool's path: the environment override when set (it must exist), else the PATH. */
export function locateTool(spec: ToolSpec, env: Environment = processEnvironment()): string {
  const override = env[spec.envVar];
  if (override !== undefined && override.trim() !== '') {
    if (isExecutableFile(override)) return override;
    throw new MissingDependencyError(
      `${spec.command} not found at ${spec.envVar}=${override} (needed ${spec.purpose}) — ` +
        `fix or unset ${spec.envVar}, or install it with \`apt-get install ${spec.debianPackage}\``,
    );
  }
  const found = findOnPath(spec.command, env);
  if (found !== undefined) return found;
  throw new MissingDependencyError(
    `${spec.command} is not installed (needed ${spec.purpose}) — install it with ` +
      `\`apt-get install ${spec.debianPackage}\` (or run scripts/setup.sh), or set ${spec.envVar}`,
  );
}

export function locateRenderTools(env: Environment = processEnvironment()): RenderTools {
  return { fluidsynth: locateTool(FLUIDSYNTH, env), ffmpeg: locateTool(FFMPEG, env) };
}
