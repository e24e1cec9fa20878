/** The warm compose worker's model cache (src/compose/composer-cache.ts) and the LSTM model's fingerprint. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createComposerCache } from '../../src/compose/composer-cache.js';
import type { Composer } from '../../src/compose/composer.js';
import { lstmModelFingerprint } from '../../src/compose/lstm-composer.js';
import { MODEL_FILES } from '../../src/model/model-files.js';
import { TempDirs } from '../support/temp-dirs.js';

const dirs = new TempDirs();
afterEach(() => dirs.removeAll());

/** A loader that makes a new composer per load and a fingerprint the test controls. */
function fakes() {
  const versions = new Map<string, number>();
  const loaded: string[] = [];
  const load = async (model: string | undefined): Promise<Composer> => {
    loaded.push(model ?? 'default');
    return { model: model ?? 'default', compose: () => Promise.reject(new Error('not used')) };
  };
  const fingerprint = async (model: string | undefined) => `${model ?? 'default'}@${versions.get(model ?? 'default') ?? 1}`;
  return { versions, loaded, load, fingerprint };
}

describe('createComposerCache', () => {
  it('loads a model once and hands the same composer to the next jobs', async () => {
    const { loaded, load, fingerprint } = fakes();
    const cache = createComposerCache(load, fingerprint);
    const first = await cache.get('base');
    expect(await cache.get('base')).toBe(first);
    expect(loaded).toEqual(['base']);
    expect(cache.loads).toBe(1);
  });

  it('loads the other model when a job asks for another one, and again when the files changed', async () => {
    const { versions, loaded, load, fingerprint } = fakes();
    const cache = createComposerCache(load, fingerprint);
    const base = await cache.get('base');
    const guild = await cache.get('guild-v2');
    expect(guild.model).toBe('guild-v2');
    expect(await cache.get('base')).not.toBe(base);
    versions.set('base', 2);
    const republished = await cache.get('base');
    expect(loaded).toEqual(['base', 'guild-v2', 'base', 'base']);
    expect(await cache.get('base')).toBe(republished);
  });

  it('lets a job that arrives while its model still loads wait for that load', async () => {
    const { loaded, load, fingerprint } = fakes();
    const cache = createComposerCache(load, fingerprint);
    const [preload, job] = await Promise.all([cache.get(undefined), cache.get(undefined)]);
    expect(job).toBe(preload);
    expect(loaded).toEqual(['default']);
  });

  it('keeps nothing from a failed load: the next job tries again', async () => {
    const { fingerprint } = fakes();
    let fail = true;
    const cache = createComposerCache(async (model) => {
      if (fail) throw new Error('weights missing');
      return { model: model ?? 'default', compose: () => Promise.reject(new Error('not used')) };
    }, fingerprint);
    await expect(cache.get('base')).rejects.toThrow('weights missing');
    fail = false;
    expect((await cache.get('base')).model).toBe('base');
  });
});

describe('lstmModelFingerprint', () => {
  it('changes when the model folder or its weights change, not otherwise', async () => {
    const dir = dirs.make('rhythmix-fingerprint-');
    const [model, other] = [path.join(dir, 'm'), path.join(dir, 'n')];
    for (const folder of [model, other]) {
      mkdirSync(folder);
      for (const file of [MODEL_FILES.topology, MODEL_FILES.weights, MODEL_FILES.vocabulary]) writeFileSync(path.join(folder, file), 'x');
    }
    const before = await lstmModelFingerprint(model);
    expect(await lstmModelFingerprint(model)).toBe(before);
    expect(await lstmModelFingerprint(other)).not.toBe(before);
    // Weights replaced in place (same name): a different model to load.
    writeFileSync(path.join(model, MODEL_FILES.weights), 'new weights');
    expect(await lstmModelFingerprint(model)).not.toBe(before);
  });
});
