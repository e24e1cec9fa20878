import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeShards } from '../../src/datasets/shards.js';
import { createPiece } from '../../src/music/piece.js';
import { encodePiece } from '../../src/music/tokens.js';
import { DEFAULT_VOCABULARY } from '../../src/music/vocabulary.js';
import { parseMidi } from '../../src/midi/read.js';
import { loadModel } from '../../src/model/model-files.js';
import type { EpochReport } from '../../src/train/trainer.js';
import { isCliBuilt, runCli } from '../cli/run-cli.js';
import { HAVE_RENDER_TOOLS } from '../render/audio-probe.js';

const built = isCliBuilt('train-worker');
const run = (args: string[]) => runCli(args);

// Runs the built CLI (the test command builds before vitest).
describe.skipIf(!built)('rhythmix train (CLI)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rhythmix-train-cli-'));
    const piece = (shift: number) =>
      createPiece(
        [
          {
            name: 'melody',
            program: 0,
            isDrum: false,
            notes: Array.from({ length: 16 }, (_, i) => ({ pitch: 60 + ((i + shift) % 7), start: i / 2, duration: 0.5, velocity: 80 })),
          },
        ],
        { bpm: 120 },
      );
    const records = [0, 1, 2, 3, 4, 5].map((shift) => ({
      id: `p${shift}`,
      style: 'folk',
      split: shift < 5 ? ('train' as const) : ('valid' as const),
      tokens: encodePiece(piece(shift), { style: 'folk', stepsPerQuarter: 4 }),
    }));
    await writeShards(path.join(dir, 'shards'), { vocabulary: DEFAULT_VOCABULARY, stepsPerQuarter: 4, records });
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ layers: [12], embedding: 6, epochs: 2, seed: 3 }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('trains from shards with a preset, a config file and flags, and writes a loadable model', async () => {
    const out = path.join(dir, 'model');
    const result = run([
      'train',
      '--data',
      path.join(dir, 'shards'),
      '--out',
      out,
      '--preset',
      'tiny',
      '--config',
      path.join(dir, 'config.json'),
      '--batch',
      '4',
      '--threads',
      '2',
      '--json',
    ]);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout) as {
      reason: string;
      epochs: number;
      validationNll: number;
      config: { model: { layers: number[]; embedding: number }; training: { batchSize: number; seqLen: number } };
    };
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
    expect(result.stderr).toMatch(/^rhythmix: --layers: must be comma-separated layer sizes/m);
    const preset = run(['train', '--data', path.join(dir, 'shards'), '--out', path.join(dir, 'x'), '--preset', 'nope']);
    expect(preset.status).toBe(2);
    expect(preset.stderr).toMatch(/unknown preset "nope"/);
    const noData = run(['train', '--out', path.join(dir, 'x'), '--preset', 'tiny']);
    expect(noData.status).toBe(2);
    expect(noData.stderr).toMatch(/--data is required .*unless the preset names its data \(jsb-bench, rhythmix-base\)/);
    const transpose = run(['train', '--data', path.join(dir, 'shards'), '--out', path.join(dir, 'x'), '--transpose', '13']);
    expect(transpose.status).toBe(2);
    expect(transpose.stderr).toMatch(/--transpose: must be a whole number from 0 to 12 \(got 13\)/);
    const cell = run(['train', '--data', path.join(dir, 'shards'), '--out', path.join(dir, 'x'), '--cell', 'rnn']);
    expect(cell.status).toBe(2);
    expect(cell.stderr).toMatch(/--cell: must be one of lstm, gru \(got "rnn"\)/);
  });

  it('trains with transposition augmentation and records it in the card', async () => {
    const out = path.join(dir, 'transposed');
    const result = run([
      'train',
      '--data',
      path.join(dir, 'shards'),
      '--out',
      out,
      '--preset',
      'tiny',
      '--config',
      path.join(dir, 'config.json'),
      '--batch',
      '4',
      '--transpose',
      '3',
      '--json',
    ]);
    expect(result.status).toBe(0);
    const model = await loadModel(out);
    expect(model.card?.config?.training?.transpose).toBe(3);
    expect(Number.isFinite(model.card?.validationNll)).toBe(true);
  });
  it('with --init and a two-stage preset runs stage 2 alone from that model and lists it as stage 1 in the card', async () => {
    const first = path.join(dir, 'stage-one');
    expect(
      run([
        'train',
        '--data',
        path.join(dir, 'shards'),
        '--out',
        first,
        '--preset',
        'tiny',
        '--config',
        path.join(dir, 'config.json'),
        '--batch',
        '4',
        '--json',
      ]).status,
    ).toBe(0);
    const stageOne = await loadModel(first);
    const out = path.join(dir, 'stage-two');
    const result = run([
      'train',
      '--data',
      path.join(dir, 'shards'),
      '--out',
      out,
      '--preset',
      'jsb-bench',
      '--init',
      first,
      '--epochs',
      '1',
      '--batch',
      '4',
      '--threads',
      '1',
      '--json',
    ]);
    expect(result.stderr).not.toMatch(/internal error|stage 1 of 2/);
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout) as {
      epochs: number;
      config: { model: { layers: number[] }; training: { learningRate: number; lrDecay: number; epochs: number } };
    };
    expect(summary.config.model.layers).toEqual([12]); // the initial model's architecture, not the preset's
    expect(summary.config.training.learningRate).toBe(5e-4); // stage 2's settings…
    expect(summary.config.training.lrDecay).toBe(0.5);
    expect(summary.config.training.epochs).toBe(1); // …under the flags
    const model = await loadModel(out);
    expect(model.card?.parent).toBe(`${stageOne.card?.name}@${stageOne.card?.version}`);
    const stages = model.card?.stages as { epochs: number; trainingSeconds: number }[];
    expect(stages).toHaveLength(1);
    expect(stages[0]?.epochs).toBe(stageOne.card?.epochs);
    expect(stages[0]?.trainingSeconds).toBe(stageOne.card?.trainingSeconds);
  });

  describe('with --cell gru', () => {
    const out = (): string => path.join(dir, 'gru');

    it('trains a GRU with the tiny preset: the loss falls far below an untrained model’s, into TensorFlow.js GRU files', async () => {
      const result = run([
        'train',
        '--data',
        path.join(dir, 'shards'),
        '--out',
        out(),
        '--preset',
        'tiny',
        '--cell',
        'gru',
        '--batch',
        '4',
        '--epochs',
        '12',
        '--json',
      ]);
      expect(result.stderr).not.toMatch(/internal error/);
      expect(result.status).toBe(0);
      const summary = JSON.parse(result.stdout) as { validationNll: number; config: { model: { cell?: string; layers: number[] } } };
      expect(summary.config.model).toMatchObject({ cell: 'gru', layers: [64] });
      const history = (JSON.parse(readFileSync(path.join(out(), 'checkpoint', 'state.json'), 'utf8')) as { history: EpochReport[] }).history;
      expect(history).toHaveLength(12);
      // Untrained, every id of the vocabulary is about as likely as any other: ln V nats per token.
      expect(history[0]!.trainLoss).toBeGreaterThan(0.95 * Math.log(DEFAULT_VOCABULARY.size));
      expect(history.at(-1)!.trainLoss).toBeLessThan(0.6 * history[0]!.trainLoss);
      expect(summary.validationNll).toBeLessThan(0.6 * history[0]!.validationNll!);
      const topology = JSON.parse(readFileSync(path.join(out(), 'model.json'), 'utf8')) as {
        modelTopology: { config: { layers: Array<{ class_name: string; config: Record<string, unknown> }> } };
      };
      expect(topology.modelTopology.config.layers.map((l) => l.class_name)).toEqual(['Embedding', 'GRU', 'Dense']);
      expect(topology.modelTopology.config.layers[1]!.config.reset_after).toBe(false);
      const model = await loadModel(out());
      expect(model.config.cell).toBe('gru');
      expect(model.card?.engine).toBe('rhythmix-gru/1 (wasm simd128)');
    });

    it.skipIf(!HAVE_RENDER_TOOLS)('composes from the trained GRU with `rhythmix compose --model`: a MIDI file with notes', () => {
      const result = runCli(
        ['compose', '--model', out(), '--style', 'folk', '--bars', '4', '--tracks', '1', '--sample-seed', '3', '--out', path.join(dir, 'gru-piece'), '--json'],
        60_000,
      );
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const summary = JSON.parse(result.stdout) as { midi: string; notes: number };
      const notes = parseMidi(new Uint8Array(readFileSync(summary.midi))).tracks.flatMap((t) => t.notes);
      expect(notes.length).toBeGreaterThan(0);
      expect(notes).toHaveLength(summary.notes);
    });
  });
});
