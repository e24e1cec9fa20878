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
const voiceThread = touch('dist/bot/voice/voice-thread.js');

describe('builtEntryPath', () => {
  it('finds the compiled file beside the running code when it runs from dist/', () => {
    expect(workerEntryPath('render', fromDist)).toBe(worker);
    expect(builtEntryPath('bot/voice/voice-thread', fromDist)).toBe(voiceThread);
  });

  it("falls back to the project's dist/ when it runs from the sources", () => {
    expect(workerEntryPath('render', fromSources)).toBe(worker);
    expect(builtEntryPath('bot/voice/voice-thread', fromSources)).toBe(voiceThread);
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
    for (const name of ['compose-worker', 'render', 'train-worker']) {
      expect(workerEntryPath(name)).toBe(fileURLToPath(new URL(`../../dist/workers/${name}.js`, import.meta.url)));
    }
    expect(builtEntryPath('feedback/retrain-child')).toBe(fileURLToPath(new URL('../../dist/feedback/retrain-child.js', import.meta.url)));
    expect(builtEntryPath('bot/voice/voice-thread')).toBe(fileURLToPath(new URL('../../dist/bot/voice/voice-thread.js', import.meta.url)));
  });
});
