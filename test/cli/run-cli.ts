import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The project root, where `bin/rhythmix.js` and the built `dist/` live. */
export const projectRoot = resolve(import.meta.dirname, '../..');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (`node bin/rhythmix.js …`) in the project root. */
export function runCli(args: readonly string[], timeoutMs = 120_000): CliResult {
  const result = spawnSync(process.execPath, [join(projectRoot, 'bin/rhythmix.js'), ...args], {
    cwd: projectRoot,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** True when `dist/` holds the CLI and every named worker (the test command builds first). */
export function isCliBuilt(...workers: string[]): boolean {
  return [join('dist/cli/main.js'), ...workers.map((w) => join('dist/workers', `${w}.js`))].every((file) => existsSync(join(projectRoot, file)));
}

export function assertCliBuilt(): void {
  if (!isCliBuilt()) throw new Error('build the CLI first: npx tsc -p tsconfig.build.json');
}
