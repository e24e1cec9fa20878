import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MissingDependencyError } from '../util/errors.js';

/**
 * The compiled worker entry `src/workers/<name>.ts` → `dist/workers/<name>.js`. From dist/jobs it
 * is the sibling folder; from the sources (vitest) src/workers holds only .ts, so the built copy
 * in dist/ is used — build first (`npm run build`; `npm test` does).
 */
export function workerEntry(name: string): URL {
  const candidates = [new URL(`../workers/${name}.js`, import.meta.url), new URL(`../../dist/workers/${name}.js`, import.meta.url)];
  const found = candidates.find((candidate) => existsSync(fileURLToPath(candidate)));
  if (!found) throw new MissingDependencyError(`worker "${name}" is not built (dist/workers/${name}.js) — run npm run build`);
  return found;
}
