/**
 * A tiny world for feedback-loop tests: synthetic one-track melodies in the real token language
 * (register low or high, so a taste for register is learnable), written as token shards, and a
 * tiny model pre-trained on them in a few seconds.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeShards, type ShardRecord } from '../../src/datasets/shards.js';
import { Rng } from '../../src/model/rng.js';
import { createPiece, type Note } from '../../src/music/piece.js';
import { encodePiece } from '../../src/music/tokens.js';
import { DEFAULT_VOCABULARY } from '../../src/music/vocabulary.js';
import { trainingSettingsSchema } from '../../src/train/settings.js';
import { trainModel } from '../../src/train/trainer.js';

const SCALE = [0, 2, 4, 5, 7, 9, 11];

/** A 4-bar melody of quarter and half notes on the C major scale around `center`. */
export function melodyTokens(rng: Rng, center: number): Int32Array {
  const notes: Note[] = [];
  let time = 0;
  let degree = 7 + rng.int(3);
  while (time < 16) {
    const duration = [0.5, 1, 1, 1, 2][rng.int(5)]!;
    degree = Math.max(0, Math.min(14, degree + rng.int(5) - 2));
    const pitch = center - 12 + Math.floor(degree / 7) * 12 + SCALE[degree % 7]!;
    notes.push({ pitch, start: time, duration: Math.min(duration, 16 - time), velocity: 80 });
    time += duration;
  }
  const piece = createPiece([{ name: 'Track 1', program: 0, isDrum: false, notes }]);
  // Like real shards of token language 2, each melody names its key (C major).
  return Int32Array.from(encodePiece(piece, { style: 'folk', stepsPerQuarter: 4, vocabulary: DEFAULT_VOCABULARY, key: { tonicPitchClass: 0, mode: 'major' } }));
}

export interface TinyWorld {
  root: string;
  modelsDir: string;
  shardsDir: string;
  baseName: string;
  train: Int32Array[];
  valid: Int32Array[];
  cleanup(): void;
}

/** Shards of `pieces` melodies (half low, half high register) and a tiny model trained on them. */
export async function tinyWorld(options: { pieces?: number; epochs?: number; seed?: number } = {}): Promise<TinyWorld> {
  const root = mkdtempSync(path.join(tmpdir(), 'rhythmix-feedback-'));
  const modelsDir = path.join(root, 'models');
  const shardsDir = path.join(root, 'shards');
  mkdirSync(modelsDir, { recursive: true });
  const rng = new Rng(options.seed ?? 3);
  const count = options.pieces ?? 72;
  const records: ShardRecord[] = Array.from({ length: count }, (_, i) => ({
    id: `melody-${i}`,
    style: 'folk',
    split: i % 8 >= 6 ? 'valid' : 'train',
    tokens: melodyTokens(rng, i % 2 === 0 ? 60 : 72),
  }));
  await writeShards(shardsDir, { vocabulary: DEFAULT_VOCABULARY, stepsPerQuarter: 4, records });
  const train = records.filter((r) => r.split === 'train').map((r) => Int32Array.from(r.tokens));
  const valid = records.filter((r) => r.split === 'valid').map((r) => Int32Array.from(r.tokens));
  const baseName = 'tiny-base';
  await trainModel({
    data: { train, valid, vocabulary: DEFAULT_VOCABULARY.toJSON(), source: shardsDir, styles: ['folk'], stepsPerQuarter: 4 },
    model: { vocabSize: DEFAULT_VOCABULARY.size, embedding: 16, layers: [48], dropout: 0 },
    settings: trainingSettingsSchema.parse({ seqLen: 32, batchSize: 16, learningRate: 0.01, epochs: options.epochs ?? 25, threads: 1, seed: 1 }),
    outDir: path.join(modelsDir, baseName),
    name: baseName,
  });
  rmSync(path.join(modelsDir, baseName, 'checkpoint'), { recursive: true, force: true });
  return { root, modelsDir, shardsDir, baseName, train, valid, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
