import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { builtEntryPath, workerEntryPath } from '../../src/util/built-entry.js';
import { MissingDependencyError } from '../../src/util/errors.js';

// A project folder with src/ (no .js beside the sources) and dist/ (compiled).
const root = mkdtempSync(path.join(os.tmpdir(), 'rhythmix-test-entry-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const touch = (relative: string): string => {
  const file = path.join(root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, '');
  return file;
};
const fromSources = pathToFileURL(path.join(root, 'src', 'util', 'built-entry.ts'));
const fromDist = pathToFileURL(path.join(root, 'dist', 'util', 'built-entry.js'));
const worker = touch('dist/workers/render.js');
const composeWorker = touch('dist/compose/nested/entry.js');

describe('builtEntryPath', () => {
  it('finds the compiled file beside the running code when it runs from dist/', () => {
    expect(workerEntryPath('render', fromDist)).toBe(worker);
    expect(builtEntryPath('compose/nested/entry', fromDist)).toBe(composeWorker);
  });

  it("falls back to the project's dist/ when it runs from the sources", () => {
    expect(workerEntryPath('render', fromSources)).toBe(worker);
    expect(builtEntryPath('compose/nested/entry', fromSources)).toBe(composeWorker);
  });

  it('prefers the file beside the running code', () => {
    const beside = touch('src/workers/render.js');
    try {
      expect(workerEntryPath('render', fromSources)).toBe(beside);
    } finally {
      rmSync(beside);
    }
  });

  it('an entry that is not built is a clear MissingDependencyError', () => {
    expect(() => workerEntryPath('no-such-worker', fromSources)).toThrow(MissingDependencyError);
    expect(() => workerEntryPath('no-such-worker', fromSources)).toThrow(
      'workers/no-such-worker is not built (dist/workers/no-such-worker.js is missing) — run npm run build',
    );
  });

  const built = existsSync(fileURLToPath(new URL('../../dist/workers/render.js', import.meta.url)));
  it.skipIf(!built)("resolves this project's built workers from the sources", () => {
    // Every entry that runs in its own thread or process lives in src/workers/.
    for (const name of ['compose-worker', 'render', 'retrain', 'train-worker', 'voice-thread']) {
      expect(workerEntryPath(name)).toBe(fileURLToPath(new URL(`../../dist/workers/${name}.js`, import.meta.url)));
    }
  });
});
