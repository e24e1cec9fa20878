/**
 * `rhythmix retrain` killed with SIGKILL at ten points of its run: its retrain child (and the
 * child's training threads and anything it started) ends within 2 s, never publishes a version
 * or moves the current pointer afterwards, and prints no uncaught (IPC) error. The processes of
 * a run are found by their environment (its models folder), so a child forked just as the
 * command died counts too.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addRating, createPiece, openDatabase } from '../../src/db/index.js';
import { listModels, setCurrentModel } from '../../src/model/registry.js';
import { Rng } from '../../src/model/rng.js';
import { isCliBuilt, projectRoot } from '../cli/run-cli.js';
import { melodyTokens, tinyWorld, type TinyWorld } from './fixtures.js';
import { processesWith } from '../support/processes.js';

const built = isCliBuilt() && existsSync(path.join(projectRoot, 'dist/workers/retrain.js'));
let world: TinyWorld;

beforeAll(async () => {
  world = await tinyWorld({ epochs: 4 });
  const db = await openDatabase(`file:${path.join(world.root, 'rhythmix.db')}`);
  const rng = new Rng(5);
  for (let i = 0; i < 8; i++) {
    const piece = await createPiece(db.prisma, { style: 'folk', tokens: melodyTokens(rng, i % 2 ? 72 : 60), guild: { id: 'g1' } });
    await addRating(db.prisma, { pieceId: piece.id, user: { id: 'u1' }, emoji: i % 2 ? '❤️' : '👎' });
  }
  await db.close();
  await setCurrentModel(world.baseName, { modelsDir: world.modelsDir });
}, 120_000);
afterAll(() => world?.cleanup());

interface Run {
  readonly cli: ChildProcessByStdio<null, Readable, Readable>;
  readonly modelsDir: string;
  stderr: string;
  /** The environment entry naming this run's models folder: the command and all it starts inherit it. */
  readonly marker: string;
}

/** What a kill point waits for (polled every 20 ms; `true` = kill now). */
type KillPoint = (run: Run) => boolean;

const line =
  (text: string): KillPoint =>
  (run) =>
    run.stderr.includes(text);
/** The fine-tune saved its candidate into the staging folder (before the guardrail starts). */
const candidateSaved: KillPoint = (run) => {
  const staging = path.join(run.modelsDir, '.staging');
  if (!existsSync(staging)) return false;
  return readdirSync(staging).some((dir) => existsSync(path.join(staging, dir, 'card.json')));
};
/** `ms` after a line appeared on stderr (for stages that print nothing while they run). */
const sinceLine = (text: string, ms: number): KillPoint => {
  let seenAt = 0;
  return (run) => {
    if (!run.stderr.includes(text)) return false;
    seenAt ||= Date.now();
    return Date.now() - seenAt > ms;
  };
};

const KILL_POINTS: Array<[string, KillPoint]> = [
  ['as the command starts', () => true],
  ['once the retrain child exists', (run) => processesWith(run.marker).length > 1],
  ['while reading ratings', line('reading ratings')],
  ['while loading the original data', line('loading the original data')],
  ['100 ms after loading the original data began', sinceLine('loading the original data', 100)],
  ['as fine-tuning starts', line('fine-tuning')],
  // The fine-tune first measures the root's held-out NLL and samples (~1 s with 1600 samples), then steps.
  ['while the reference figures are measured', sinceLine('fine-tuning', 300)],
  ['as the fine-tuned candidate is saved', candidateSaved],
  ['as the guardrail starts', line('checking the candidate')],
  ['in the middle of the guardrail’s sampling', sinceLine('checking the candidate', 300)],
];

describe.skipIf(!built || process.platform !== 'linux')('retrain child lifecycle (needs npm run build)', () => {
  it.each(KILL_POINTS)('kill -9 of `rhythmix retrain` %s: the child is gone within 2 s and nothing was published', async (_name, point) => {
    const root = mkdtempSync(path.join(world.root, 'run-'));
    const modelsDir = path.join(root, 'models');
    cpSync(world.modelsDir, modelsDir, { recursive: true });
    cpSync(path.join(world.root, 'rhythmix.db'), path.join(root, 'rhythmix.db'));
    try {
      const pointerBefore = readFileSync(path.join(modelsDir, 'current.json'));
      const versionsBefore = (await listModels(modelsDir)).map((m) => m.name);
      const cli = spawn(
        process.execPath,
        [path.join(projectRoot, 'bin/rhythmix.js'), 'retrain', '--epochs', '4', '--threads', '1', '--samples', '1600', '--data', world.shardsDir],
        {
          cwd: root,
          env: { ...process.env, RHYTHMIX_MODELS_DIR: modelsDir, DATABASE_URL: `file:${path.join(root, 'rhythmix.db')}` },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const run: Run = { cli, modelsDir, stderr: '', marker: `RHYTHMIX_MODELS_DIR=${modelsDir}` };
      cli.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
      const stderrClosed = new Promise<void>((resolve) => cli.stderr.on('close', resolve));
      await new Promise<void>((resolve, reject) => {
        const tick = (): void => {
          if (point(run)) return resolve();
          if (cli.exitCode !== null) return reject(new Error(`retrain ended before the kill point: ${run.stderr}`));
          setTimeout(tick, 20);
        };
        tick();
      });
      cli.kill('SIGKILL');
      // The point came before the verdict: anything published from here on was published after the kill.
      const beforeKill = run.stderr;
      expect(beforeKill).not.toMatch(/accepted|rejected/);

      const killedAt = Date.now();
      // The command, its retrain child, the child's threads and anything it started: all gone.
      await expect.poll(() => processesWith(run.marker), { timeout: 2000, interval: 25 }).toEqual([]);
      expect(Date.now() - killedAt).toBeLessThan(2000);
      await stderrClosed;
      expect(readFileSync(path.join(modelsDir, 'current.json')).equals(pointerBefore)).toBe(true);
      expect((await listModels(modelsDir)).map((m) => m.name)).toEqual(versionsBefore);
      expect(run.stderr).not.toMatch(/ERR_IPC|uncaught|Error/i);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
