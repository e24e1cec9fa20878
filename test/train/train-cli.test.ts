import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeShards } from '../../src/datasets/shards.js';
import { createPiece } from '../../src/music/piece.js';
import { encodePiece } from '../../src/music/tokens.js';
import { DEFAULT_VOCABULARY } from '../../src/music/vocabulary.js';
import { loadModel } from '../../src/model/model-files.js';
import { isCliBuilt, runCli } from '../cli/run-cli.js';

const built = isCliBuilt('train-worker');
const run = (args: string[]) => runCli(args);

// Runs the built CLI (the test command builds before vitest).
describe.skipIf(!built)('rhythmix train (CLI)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rhythmix-train-cli-'));
    const piece = (shift: number) =>
      createPiece([{ name: 'melody', program: 0, isDrum: false, notes: Array.from({ length: 16 }, (_, i) => ({ pitch: 60 + ((i + shift) % 7), start: i / 2, duration: 0.5, velocity: 80 })) }], { bpm: 120 });
    const records = [0, 1, 2, 3, 4, 5].map((shift) => ({ id: `p${shift}`, style: 'folk', split: shift < 5 ? ('train' as const) : ('valid' as const), tokens: encodePiece(piece(shift), { style: 'folk', stepsPerQuarter: 4 }) }));
    await writeShards(path.join(dir, 'shards'), { vocabulary: DEFAULT_VOCABULARY, stepsPerQuarter: 4, records });
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ layers: [12], embedding: 6, epochs: 2, seed: 3 }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('trains from shards with a preset, a config file and flags, and writes a loadable model', async () => {
    const out = path.join(dir, 'model');
    const result = run(['train', '--data', path.join(dir, 'shards'), '--out', out, '--preset', 'tiny', '--config', path.join(dir, 'config.json'), '--batch', '4', '--threads', '2', '--json']);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout) as { reason: string; epochs: number; validationNll: number; config: { model: { layers: number[]; embedding: number }; training: { batchSize: number; seqLen: number } } };
    expect(summary.reason).toBe('completed');
    expect(summary.epochs).toBe(2);
    expect(summary.config.model.layers).toEqual([12]); // config file over preset
    expect(summary.config.training.batchSize).toBe(4); // flag over preset
    expect(summary.config.training.seqLen).toBe(32); // from the preset
    const model = await loadModel(out);
    expect(model.config.vocabSize).toBe(DEFAULT_VOCABULARY.size);
    expect(model.card?.validationNll).toBeCloseTo(summary.validationNll, 6);
    expect(model.card?.data.stepsPerQuarter).toBe(4);
  });

  it('rejects bad flags with a one-line message and exit code 2', () => {
    const result = run(['train', '--data', path.join(dir, 'shards'), '--out', path.join(dir, 'x'), '--layers', '256,abc']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^rhythmix: --layers must be comma-separated layer sizes/m);
    const preset = run(['train', '--data', path.join(dir, 'shards'), '--out', path.join(dir, 'x'), '--preset', 'nope']);
    expect(preset.status).toBe(2);
    expect(preset.stderr).toMatch(/unknown preset "nope"/);
    const noData = run(['train', '--out', path.join(dir, 'x'), '--preset', 'tiny']);
    expect(noData.status).toBe(2);
    expect(noData.stderr).toMatch(/--data is required .*unless the preset names its data \(jsb-bench, rhythmix-base\)/);
    const transpose = run(['train', '--data', path.join(dir, 'shards'), '--out', path.join(dir, 'x'), '--transpose', '13']);
    expect(transpose.status).toBe(2);
    expect(transpose.stderr).toMatch(/--transpose must be a whole number from 0 to 12/);
  });

  it('trains with transposition augmentation and records it in the card', async () => {
    const out = path.join(dir, 'transposed');
    const result = run(['train', '--data', path.join(dir, 'shards'), '--out', out, '--preset', 'tiny', '--config', path.join(dir, 'config.json'), '--batch', '4', '--transpose', '3', '--json']);
    expect(result.status).toBe(0);
    const model = await loadModel(out);
    expect(model.card?.config?.training?.transpose).toBe(3);
    expect(Number.isFinite(model.card?.validationNll)).toBe(true);
  });
});
