/**
 * kill -9 during a retrain: the current model keeps serving (pointer and files unchanged and
 * loadable) and the database stays intact; the next retrain cleans up after the killed one.
 * Also: a retrain in a real low-priority child process, and `rhythmix model list|use`.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRatingEmojis, ratingWeights } from '../../src/config/rating-emojis.js';
import { addRating, createPiece, listRetrainRuns, openDatabase } from '../../src/db/index.js';
import { retrainInChild } from '../../src/feedback/retrain-child.js';
import { runRetrain } from '../../src/app/retrain.js';
import { loadModel } from '../../src/model/model-files.js';
import { currentModelName, listModels, readCurrentPointer, setCurrentModel } from '../../src/model/registry.js';
import { Rng } from '../../src/model/rng.js';
import { isCliBuilt, projectRoot, runCli } from '../cli/run-cli.js';
import { melodyTokens, tinyWorld, type TinyWorld } from './fixtures.js';

const built = isCliBuilt() && existsSync(path.join(projectRoot, 'dist/workers/retrain.js'));
const weights = ratingWeights(parseRatingEmojis('👍=1,👎=-1,❤️=2,🔥=2').emojis);
let world: TinyWorld;
let dbUrl: string;
let dbFile: string;

beforeAll(async () => {
  world = await tinyWorld({ epochs: 10 });
  dbFile = path.join(world.root, 'rhythmix.db');
  dbUrl = `file:${dbFile}`;
  const db = await openDatabase(dbUrl);
  const rng = new Rng(5);
  for (let i = 0; i < 8; i++) {
    const piece = await createPiece(db.prisma, { style: 'folk', tokens: melodyTokens(rng, i % 2 ? 72 : 60), guild: { id: 'g1' } });
    await addRating(db.prisma, { pieceId: piece.id, user: { id: 'u1' }, emoji: i % 2 ? '❤️' : '👎' });
  }
  await db.close();
  await setCurrentModel(world.baseName, { modelsDir: world.modelsDir });
}, 120_000);
afterAll(() => world?.cleanup());

function until(check: () => boolean, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (check()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error('timed out waiting'));
      }
    }, 50);
  });
}

describe.skipIf(!built)('retrain crash safety (needs npm run build)', () => {
  it('kill -9 mid-training leaves the current model serving and the database intact', async () => {
    const pointerBefore = readFileSync(path.join(world.modelsDir, 'current.json'));
    const weightsBefore = readFileSync(path.join(world.modelsDir, world.baseName, 'weights.bin'));
    const versionsBefore = (await listModels(world.modelsDir)).map((m) => m.name);
    const child = spawn(
      process.execPath,
      [
        path.join(projectRoot, 'bin/rhythmix.js'),
        'retrain',
        '--in-process',
        // Far more steps than it can take before the kill, however fast the machine.
        '--epochs',
        '100000',
        '--steps',
        '100000',
        '--threads',
        '1',
        '--data',
        world.shardsDir,
      ],
      {
        cwd: world.root,
        env: { ...process.env, RHYTHMIX_MODELS_DIR: world.modelsDir, DATABASE_URL: dbUrl },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const staging = path.join(world.modelsDir, '.staging');
    // Training is under way once it reports a step's progress (the first such line comes 10 s into the
    // stage), with the candidate's staging folder in place.
    const training = (): boolean => /: step \d+\/\d+/.test(stderr) && existsSync(staging) && readdirSync(staging).some((d) => d !== 'retrain.lock');
    await until(() => training() || child.exitCode !== null, 90_000);
    expect(child.exitCode, stderr).toBeNull();
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    expect(readFileSync(path.join(world.modelsDir, 'current.json')).equals(pointerBefore)).toBe(true);
    expect(currentModelName(world.modelsDir)).toBe(world.baseName);
    const current = await loadModel(path.join(world.modelsDir, world.baseName));
    expect(Buffer.from(current.params.buffer).equals(weightsBefore)).toBe(true);
    expect((await listModels(world.modelsDir)).map((m) => m.name)).toEqual(versionsBefore);

    const sqlite = new Sqlite(dbFile, { readonly: true });
    expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    sqlite.close();
    const db = await openDatabase(dbUrl);
    try {
      const runs = await listRetrainRuns(db.prisma);
      expect(runs.map((r) => r.status)).toEqual(['running']);
      expect(await db.prisma.rating.count()).toBe(8);

      // The next retrain takes over the dead run's lock, clears its staging folder and marks it failed.
      const outcome = await runRetrain({
        prisma: db.prisma,
        weights,
        modelsDir: world.modelsDir,
        data: [world.shardsDir],
        settings: { epochs: 1, threads: 1, samples: 6, sampleBars: 4, maxRegression: 0.5 },
      });
      expect(['accepted', 'rejected']).toContain(outcome.status);
      const after = await listRetrainRuns(db.prisma);
      expect(after.map((r) => r.status).sort()).toEqual([outcome.status, 'failed'].sort());
      expect(after.find((r) => r.status === 'failed')!.result).toMatchObject({ error: expect.stringMatching(/interrupted/) });
      expect(readdirSync(staging).filter((d) => d !== 'retrain.lock')).toEqual([]);
    } finally {
      await db.close();
    }
  }, 180_000);

  it('retrains in a low-priority child process and reports the outcome', async () => {
    const before = readCurrentPointer(world.modelsDir)!.model;
    const stages = new Set<string>();
    const outcome = await retrainInChild(
      {
        databaseUrl: dbUrl,
        modelsDir: world.modelsDir,
        weights: [...weights],
        data: [world.shardsDir],
        settings: { epochs: 1, threads: 1, samples: 6, sampleBars: 4, maxRegression: 0.5 },
      },
      { onProgress: (p) => stages.add(p.stage) },
    );
    expect(['accepted', 'rejected']).toContain(outcome.status);
    expect(outcome.parent).toBe(before);
    expect([...stages]).toEqual(expect.arrayContaining(['signal', 'data', 'train', 'guardrail', 'publish']));
    expect((await listModels(world.modelsDir)).some((m) => m.name === outcome.version)).toBe(true);
    expect(readCurrentPointer(world.modelsDir)!.model).toBe(outcome.status === 'accepted' ? outcome.version : before);
  }, 120_000);

  it('`rhythmix model list --json` and `model use` roll back and forward', () => {
    const env = { RHYTHMIX_MODELS_DIR: world.modelsDir, DATABASE_URL: dbUrl };
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const list = runCli(['model', 'list', '--json']);
      expect(list.status, list.stderr).toBe(0);
      const rows = JSON.parse(list.stdout) as Array<{ name: string; status: string; current: boolean; parent: string | null }>;
      expect(rows.length).toBeGreaterThanOrEqual(3);
      expect(rows.filter((r) => r.current)).toHaveLength(1);
      expect(rows.find((r) => r.name === world.baseName)).toMatchObject({ status: 'base', parent: null });
      const other = rows.find((r) => r.name !== world.baseName && r.status === 'accepted') ?? null;
      const use = runCli(['model', 'use', world.baseName]);
      expect(use.status, use.stderr).toBe(0);
      expect(use.stdout).toMatch(new RegExp(`current model: ${world.baseName}`));
      expect(readCurrentPointer(world.modelsDir)!.model).toBe(world.baseName);
      if (other) {
        expect(runCli(['model', 'use', other.name]).status).toBe(0);
        expect(readCurrentPointer(world.modelsDir)!.model).toBe(other.name);
      }
      const rejected = rows.find((r) => r.status === 'rejected');
      if (rejected) expect(runCli(['model', 'use', rejected.name]).status).toBe(2);
      const unknown = runCli(['model', 'use', 'no-such-version']);
      expect(unknown.status).toBe(2);
      expect(unknown.stderr).toMatch(/no model version "no-such-version"/);
    } finally {
      for (const key of Object.keys(env)) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
  }, 60_000);
});
