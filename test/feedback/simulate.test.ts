/**
 * The simulate experiment's mechanics on a tiny model (seconds): the rater's taste is applied,
 * every round stores pieces and ratings and runs the real retrain with its guardrail, and the
 * figures before/after are measured the same way. The full-size goal is a benchmark
 * (`rhythmix feedback simulate`), not a test.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/index.js';
import { simulateFeedback } from '../../src/app/simulate.js';
import { listModels, readCurrentPointer } from '../../src/model/registry.js';
import { isCliBuilt, projectRoot } from '../cli/run-cli.js';
import { spawnSync } from 'node:child_process';
import { tinyWorld, type TinyWorld } from './fixtures.js';

let world: TinyWorld;
beforeAll(async () => {
  world = await tinyWorld();
}, 120_000);
afterAll(() => world?.cleanup());

const small = { rounds: 2, samples: 10, evalSamples: 12, bars: 4, settings: { epochs: 1, threads: 1, samples: 6, sampleBars: 4, maxRegression: 0.5 } };

describe('feedback simulate', () => {
  it('runs rounds of generate → rate → retrain on a copy and reports before/after', async () => {
    const workDir = mkdtempSync(path.join(tmpdir(), 'rhythmix-sim-'));
    try {
      const rounds: number[] = [];
      const result = await simulateFeedback({
        model: path.join(world.modelsDir, world.baseName),
        data: [world.shardsDir],
        taste: 'high',
        workDir,
        ...small,
        onRound: (r) => rounds.push(r.round),
      });
      expect(rounds).toEqual([1, 2]);
      for (const key of ['liked_before', 'liked_after'] as const) {
        expect(result[key]).toBeGreaterThanOrEqual(0);
        expect(result[key]).toBeLessThanOrEqual(1);
        // A fraction of 12 evaluation pieces.
        expect(Math.abs(result[key] * 12 - Math.round(result[key] * 12))).toBeLessThan(1e-9);
      }
      expect(result.nll_before).toBeGreaterThan(0);
      expect(Number.isFinite(result.nll_after)).toBe(true);
      const accepted = result.rounds.filter((r) => r.status === 'accepted');
      // The final model is the last accepted candidate (or the base), and the guardrail bounded its NLL.
      const pointer = readCurrentPointer(path.join(workDir, 'models'));
      expect(pointer?.model).toBe(accepted.at(-1)?.version ?? world.baseName);
      expect(result.nll_after / result.nll_before - 1).toBeLessThanOrEqual(0.5 + 1e-9);
      // Every round rated its pieces in the scratch database and recorded a retrain run.
      const db = await openDatabase(`file:${path.join(workDir, 'simulation.db')}`);
      try {
        expect(await db.prisma.piece.count()).toBe(20);
        expect(await db.prisma.rating.count()).toBe(20);
        const liked = await db.prisma.rating.count({ where: { emoji: '👍' } });
        expect(liked).toBe(result.rounds.reduce((s, r) => s + r.liked, 0));
        const runs = await db.prisma.retrainRun.findMany();
        expect(runs.map((r) => r.status).sort()).toEqual(
          result.rounds
            .filter((r) => r.status !== 'skipped')
            .map((r) => r.status)
            .sort(),
        );
      } finally {
        await db.close();
      }
      const versions = await listModels(path.join(workDir, 'models'));
      expect(versions.map((v) => v.name).sort()).toEqual([world.baseName, ...result.rounds.flatMap((r) => (r.version ? [r.version] : []))].sort());
      // Each round's CPU is accounted by stage, and a candidate's card splits its fine-tune's.
      for (const r of result.rounds) {
        expect(r.cpuSeconds.compose).toBeGreaterThan(0);
        expect(r.cpuSeconds.retrain).toBeGreaterThan(0);
      }
      const card = versions.find((v) => v.name === result.rounds[0]!.version)?.card;
      const cpu = (card?.metrics as { cpuSeconds: { steps: number; checkpoints: number } }).cpuSeconds;
      expect(cpu.steps).toBeGreaterThan(0);
      expect(cpu.steps + cpu.checkpoints).toBeLessThanOrEqual(result.rounds[0]!.cpuSeconds.retrain);
      // The whole run's CPU covers its rounds' (and calibration and the two evaluations beside them).
      const roundsCpu = result.rounds.reduce((s, r) => s + r.cpuSeconds.compose + r.cpuSeconds.retrain, 0);
      expect(result.cpuSeconds).toBeGreaterThan(roundsCpu);
      // The real registry was not touched.
      expect(existsSync(path.join(world.modelsDir, 'current.json'))).toBe(false);
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  }, 180_000);

  it('a toy taste is learned: the liked share rises within the NLL bound', async () => {
    // The tiny model writes low and high melodies alike; the rater likes the high ones.
    const result = await simulateFeedback({
      model: path.join(world.modelsDir, world.baseName),
      data: [world.shardsDir],
      taste: 'high',
      rounds: 2,
      samples: 16,
      evalSamples: 24,
      bars: 4,
      settings: { method: 'dpo', learningRate: 2e-3, dpoBeta: 1, nllWeight: 0, epochs: 8, maxSteps: 40, samples: 6, sampleBars: 4, maxRegression: 0.5 },
    });
    expect(result.rounds.some((r) => r.status === 'accepted')).toBe(true);
    expect(result.liked_after - result.liked_before).toBeGreaterThanOrEqual(0.25);
    expect(result.nll_after / result.nll_before - 1).toBeLessThanOrEqual(0.5 + 1e-9);
  }, 180_000);

  it.skipIf(!isCliBuilt())(
    '`rhythmix feedback simulate --json` prints exactly the four keys',
    () => {
      const result = spawnSync(
        process.execPath,
        [
          path.join(projectRoot, 'bin/rhythmix.js'),
          'feedback',
          'simulate',
          '--json',
          '--model',
          path.join(world.modelsDir, world.baseName),
          '--data',
          world.shardsDir,
          '--rounds',
          '1',
          '--samples',
          '6',
          '--eval-samples',
          '6',
          '--bars',
          '4',
          '--epochs',
          '1',
          '--taste',
          'dense',
        ],
        { encoding: 'utf8', timeout: 120_000, env: { ...process.env, RHYTHMIX_MODELS_DIR: world.modelsDir } },
      );
      expect(result.status, result.stderr).toBe(0);
      const json = JSON.parse(result.stdout) as Record<string, number>;
      expect(Object.keys(json).sort()).toEqual(['liked_after', 'liked_before', 'nll_after', 'nll_before']);
      for (const value of Object.values(json)) expect(Number.isFinite(value)).toBe(true);
      expect(result.stderr).toMatch(/round 1:/);
      const bad = spawnSync(process.execPath, [path.join(projectRoot, 'bin/rhythmix.js'), 'feedback', 'simulate', '--taste', 'loud'], { encoding: 'utf8' });
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/--taste: must be one of high, low, dense, sparse \(got "/);
      // The method switches are checked like the other settings, before anything runs.
      const badCredit = spawnSync(process.execPath, [path.join(projectRoot, 'bin/rhythmix.js'), 'feedback', 'simulate', '--credit', 'loud'], {
        encoding: 'utf8',
      });
      expect(badCredit.status).toBe(2);
      expect(badCredit.stderr).toMatch(/--credit: .*"sequence"\|"tokens"\|"boosted" \(got "loud"\)/);
    },
    180_000,
  );
});
