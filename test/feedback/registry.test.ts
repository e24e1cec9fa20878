import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultModel } from '../../src/compose/lstm-composer.js';
import { saveModel, type ModelCard } from '../../src/model/model-files.js';
import {
  clearStaging,
  currentModelName,
  lineage,
  listModels,
  newVersionName,
  publishStaged,
  readCurrentPointer,
  setCurrentModel,
  stagingDir,
  updateCard,
} from '../../src/model/registry.js';
import { paramCount, type ModelConfig } from '../../src/model/config.js';
import { activeModelFor, getActiveModelVersion, listModelVersions, openDatabase } from '../../src/db/index.js';
import { syncModelVersions } from '../../src/feedback/versions-db.js';

const config: ModelConfig = { vocabSize: 6, embedding: 2, layers: [3], dropout: 0 };
let dir: string;
const savedEnv = process.env.RHYTHMIX_MODELS_DIR;

function card(name: string, extra: Record<string, unknown> = {}): ModelCard {
  return {
    name,
    version: name,
    parent: null,
    createdAt: new Date().toISOString(),
    data: { source: 'test' },
    config: { model: config },
    epochs: 1,
    validationNll: 1,
    trainingSeconds: 0,
    engine: 'test',
    ...extra,
  };
}
async function model(name: string, extra: Record<string, unknown> = {}): Promise<void> {
  await saveModel(path.join(dir, name), {
    config,
    params: new Float32Array(paramCount(config)).fill(0.5),
    vocabulary: { test: true },
    card: card(name, extra),
  });
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rhythmix-registry-'));
  process.env.RHYTHMIX_MODELS_DIR = dir;
});
afterEach(() => {
  if (savedEnv === undefined) delete process.env.RHYTHMIX_MODELS_DIR;
  else process.env.RHYTHMIX_MODELS_DIR = savedEnv;
  rmSync(dir, { recursive: true, force: true });
});

describe('model registry', () => {
  it('lists complete model folders with status and marks the current one', async () => {
    await model('base');
    await model('base-ft1', { parent: 'base', status: 'accepted', reason: 'ok' });
    await model('base-ft2', { parent: 'base-ft1', status: 'rejected', reason: 'validation NLL 9 % worse' });
    mkdirSync(path.join(dir, 'half-written'));
    writeFileSync(path.join(dir, 'half-written', 'card.json'), '{}');
    expect(readCurrentPointer(dir)).toBeNull();
    await setCurrentModel('base-ft1');
    const list = await listModels();
    expect(list.map((e) => [e.name, e.status, e.current, e.parent])).toEqual([
      ['base', 'base', false, null],
      ['base-ft1', 'accepted', true, 'base'],
      ['base-ft2', 'rejected', false, 'base-ft1'],
    ]);
    expect(list[2]!.reason).toMatch(/9 % worse/);
    expect(await lineage('base-ft2')).toEqual(['base-ft2', 'base-ft1', 'base']);
  });

  it('switches atomically, remembers the previous version, and refuses unknown or rejected versions', async () => {
    await model('a');
    await model('b');
    await model('bad', { status: 'rejected', reason: 'samples out of range' });
    await setCurrentModel('a');
    const pointer = await setCurrentModel('b');
    expect(pointer).toMatchObject({ model: 'b', previous: 'a' });
    await expect(setCurrentModel('nope')).rejects.toThrow(/no model version "nope"/);
    await expect(setCurrentModel('../etc')).rejects.toThrow(/not a model version name/);
    await expect(setCurrentModel('bad')).rejects.toThrow(/rejected \(samples out of range\)/);
    expect(currentModelName()).toBe('b');
    await setCurrentModel('bad', { force: true });
    expect(currentModelName()).toBe('bad');
    // No temporary file is left beside the pointer.
    expect(readFileSync(path.join(dir, 'current.json'), 'utf8')).toContain('"model": "bad"');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('ignores a torn temporary pointer and a pointer to a missing folder', async () => {
    await model('a');
    await setCurrentModel('a');
    // What a writer killed before its rename leaves behind: the old pointer still rules.
    writeFileSync(path.join(dir, `current.json.999.1.tmp`), '{"model": "b');
    expect(currentModelName()).toBe('a');
    writeFileSync(path.join(dir, 'current.json'), JSON.stringify({ model: 'gone' }));
    expect(currentModelName()).toBeNull();
    writeFileSync(path.join(dir, 'current.json'), 'not json');
    expect(readCurrentPointer()).toBeNull();
  });

  it('is what compose resolves as the default model, so a switch reaches the next job', async () => {
    await model('jsb-bench');
    await model('mine');
    expect(defaultModel()).toBe('jsb-bench');
    await setCurrentModel('mine');
    expect(defaultModel()).toBe('mine');
    await setCurrentModel('jsb-bench');
    expect(defaultModel()).toBe('jsb-bench');
  });

  it('publishes a staged folder with one rename and names versions uniquely', async () => {
    const at = new Date('2026-11-25T10:00:00Z');
    const name = newVersionName('base-ft20261101000000', at);
    expect(name).toBe('base-ft20261125100000');
    const staged = await stagingDir(name);
    await saveModel(staged, { config, params: new Float32Array(paramCount(config)), vocabulary: {}, card: card(name) });
    mkdirSync(path.join(staged, 'checkpoint'));
    expect((await listModels()).map((e) => e.name)).toEqual([]);
    await publishStaged(staged, name);
    expect((await listModels()).map((e) => e.name)).toEqual([name]);
    expect(existsSync(path.join(dir, name, 'checkpoint'))).toBe(false);
    expect(newVersionName('base', at)).toBe('base-ft20261125100000-2');
    await updateCard(path.join(dir, name), { status: 'accepted' });
    expect((await listModels())[0]!.status).toBe('accepted');
    await stagingDir('left-over');
    await clearStaging();
    expect(existsSync(path.join(dir, '.staging'))).toBe(false);
  });

  it('derives the ModelVersion table from the disk registry (cards and pointer), idempotently', async () => {
    await model('base', { createdAt: '2026-01-01T00:00:00.000Z' });
    await model('base-ft1', { parent: 'base', status: 'accepted', reason: 'ok', createdAt: '2026-01-02T00:00:00.000Z' });
    await model('base-ft2', { parent: 'base-ft1', status: 'rejected', reason: 'worse', createdAt: '2026-01-03T00:00:00.000Z' });
    await model('g-ft1', { parent: 'base', status: 'accepted', guildId: 'g1', createdAt: '2026-01-04T00:00:00.000Z' });
    await model('g-ft2', { parent: 'g-ft1', status: 'accepted', guildId: 'g1', createdAt: '2026-01-05T00:00:00.000Z' });
    const db = await openDatabase(`file:${path.join(dir, 'test.db')}`);
    try {
      const table = async (): Promise<string[][]> =>
        (await listModelVersions(db.prisma)).map((v) => [v.name, v.status, v.parentName ?? '-', v.guildId ?? '-']).sort((a, b) => a[0]!.localeCompare(b[0]!));
      await setCurrentModel('base-ft1');
      await syncModelVersions(db.prisma, dir);
      expect(await table()).toEqual([
        ['base', 'candidate', '-', '-'],
        ['base-ft1', 'active', 'base', '-'],
        ['base-ft2', 'rejected', 'base-ft1', '-'],
        ['g-ft1', 'candidate', 'base', 'g1'],
        ['g-ft2', 'active', 'g-ft1', 'g1'],
      ]);
      expect((await activeModelFor(db.prisma, 'g1'))?.name).toBe('g-ft2');
      // Roll back on disk; the table follows, and syncing again changes nothing.
      await setCurrentModel('base');
      await syncModelVersions(db.prisma, dir);
      const once = await listModelVersions(db.prisma);
      await syncModelVersions(db.prisma, dir);
      expect(await listModelVersions(db.prisma)).toEqual(once);
      expect((await getActiveModelVersion(db.prisma))?.name).toBe('base');
      const ft1 = once.find((v) => v.name === 'base-ft1')!;
      expect(ft1.status).toBe('retired');
      expect(ft1.activatedAt).not.toBeNull();
      // A folder removed from disk can no longer be active.
      rmSync(path.join(dir, 'g-ft2'), { recursive: true });
      await syncModelVersions(db.prisma, dir);
      expect((await activeModelFor(db.prisma, 'g1'))?.name).toBe('g-ft1');
    } finally {
      await db.close();
    }
  });
});
