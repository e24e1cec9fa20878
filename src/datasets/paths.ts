/**
 * Where the shared data sets live: `../shared/datasets` beside the project root, or the folder
 * named by RHYTHMIX_DATASETS. The project root is found from this module's own location (it runs
 * from src/ under vitest and from dist/ when built), never from the current directory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Environment } from '../config/env-file.js';
import { datasetsDirSetting, processEnvironment } from '../config/settings.js';

export const DATASETS_ENV = 'RHYTHMIX_DATASETS';

let cachedRoot: string | undefined;

/** The folder holding Rhythmix's package.json. */
export function projectRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && isRhythmixManifest(manifest)) return (cachedRoot = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the Rhythmix project root (package.json named "rhythmix")');
    dir = parent;
  }
}

function isRhythmixManifest(path: string): boolean {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown }).name === 'rhythmix';
  } catch {
    return false;
  }
}

/** The shared data-set folder (it may not exist: callers check and skip or report). */
export function datasetsRoot(env: Environment = processEnvironment()): string {
  const configured = datasetsDirSetting(env);
  if (configured !== undefined) return resolve(configured);
  return resolve(projectRoot(), '../shared/datasets');
}
