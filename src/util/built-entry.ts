/**
 * Where the compiled file of an entry that runs in its own thread or process lives: every such
 * entry is `src/workers/NAME.ts` → `dist/workers/NAME.js` (started by src/jobs/launch.ts). Run from
 * dist/ (production) it is the file beside the running code; run from the sources (vitest, tsx)
 * the .ts has no .js beside it, so the built copy in the project's dist/ is used — build first
 * (`npm run build`; `npm test` does). The one place that knows this layout.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MissingDependencyError } from './errors.js';

/**
 * The compiled file of `src/<modulePath>.ts`, e.g. `builtEntryPath('workers/render')`.
 * `base` is the URL of this module (tests point it elsewhere). Throws MissingDependencyError
 * when neither candidate exists.
 */
export function builtEntryPath(modulePath: string, base: string | URL = import.meta.url): string {
  const candidates = [new URL(`../${modulePath}.js`, base), new URL(`../../dist/${modulePath}.js`, base)].map((url) => fileURLToPath(url));
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) throw new MissingDependencyError(`${modulePath} is not built (dist/${modulePath}.js is missing) — run npm run build`);
  return found;
}

/** The compiled worker entry `src/workers/NAME.ts` → `dist/workers/NAME.js`. */
export function workerEntryPath(name: string, base: string | URL = import.meta.url): string {
  return builtEntryPath(`workers/${name}`, base);
}

/** The command-line launcher `bin/rhythmix.js` (what `npm start` runs), e.g. for processes that run `rhythmix bot`. */
export function cliLauncherPath(base: string | URL = import.meta.url): string {
  const launcher = fileURLToPath(new URL('../../bin/rhythmix.js', base));
  if (!existsSync(launcher)) throw new MissingDependencyError(`the launcher ${launcher} is missing`);
  return launcher;
}
