import type { ModelConfig } from '../model/config.js';
import type { TrainingSettings } from './settings.js';

/** A named starting point for `rhythmix train --preset NAME`; flags and --config override it. */
export interface TrainingPreset {
  description: string;
  model: Partial<Omit<ModelConfig, 'vocabSize'>>;
  training: Partial<TrainingSettings>;
  /** Data-set specs built into shards when `--data` is left out (see `rhythmix dataset build`). */
  data?: readonly string[];
  /** Where the model goes when `--out` is left out (a bundled model's folder). */
  out?: string;
  /**
   * A second stage: after training as above (into data/runs/PRESET-stage1), fine-tune from its
   * best weights with these settings into the output folder.
   */
  fineTune?: { description: string; training: Partial<TrainingSettings>; dropout?: number };
}

/** The bundled models share one architecture: embedding 64, 2 × LSTM 256. */
const BUNDLED_ARCHITECTURE = { embedding: 64, layers: [256, 256] };

export const PRESETS: Record<string, TrainingPreset> = {
  tiny: {
    description: 'one small layer, two short epochs: smoke tests and demos (seconds on any machine)',
    model: { embedding: 16, layers: [64], dropout: 0 },
    training: { seqLen: 32, batchSize: 16, learningRate: 3e-3, epochs: 2 },
  },
  reference: {
    description: 'the benchmark configuration (embedding 64, 2×LSTM 256, sequence 64, batch 32) with dropout and early stopping',
    model: { embedding: 64, layers: [256, 256], dropout: 0.1 },
    training: { seqLen: 64, batchSize: 32, learningRate: 2e-3, epochs: 30, earlyStopping: 3 },
  },
  'jsb-bench': {
    description: 'the JSB benchmark model: JSB train split read frame by frame (jsb-frames; valid split for early stopping), the reference configuration',
    model: { ...BUNDLED_ARCHITECTURE, dropout: 0.1 },
    // One note per sounding pitch per frame: after 10 epochs the validation frame NLL was 9 % lower
    // than with held notes (`jsb`, same settings), and it kept falling for longer. Context, measured
    // from scratch over 10 epochs (scripts/context-length.sh, docs/music-quality.md): 64-token
    // windows 1.105, 256-token windows 1.122, stateful 64-token windows 1.210 validation NLL.
    training: { seqLen: 64, batchSize: 32, learningRate: 2e-3, epochs: 90, earlyStopping: 5, threads: 0, seed: 1 },
    data: ['jsb-frames'],
    out: 'models/jsb-bench',
    fineTune: {
      // Transposing ±6 here was tried (held-note reading) and hurt: validation NLL rose from 1.35 to 1.43 and stayed.
      // With key tokens, ±3 still hurt: 0.714 after 3 epochs against 0.624 without.
      description: 'anneal: fine-tune at a lower learning rate that halves after each epoch without a better validation NLL',
      training: { learningRate: 5e-4, lrDecay: 0.5, epochs: 20, earlyStopping: 4, threads: 1 },
    },
  },
  'rhythmix-base': {
    description: 'the default model: JSB (classical), Nottingham (folk) and three game soundtracks (game, multi-track with drums), transposed ±4',
    model: { ...BUNDLED_ARCHITECTURE, dropout: 0.1 },
    training: { seqLen: 64, batchSize: 32, learningRate: 2e-3, epochs: 3, earlyStopping: 2, transpose: 4, threads: 1, seed: 1 },
    data: ['jsb', 'nottingham', 'game'],
    out: 'models/rhythmix-base',
    fineTune: {
      description: 'continue at a lower learning rate that halves after each epoch without a better validation NLL, on 256-token windows',
      // Measured from the same weights, one epoch each (docs/music-quality.md): 256-token windows
      // (batch 8, the same tokens per batch) reached validation NLL 1.921, 64-token windows 1.946.
      training: { learningRate: 1e-3, lrDecay: 0.5, epochs: 10, earlyStopping: 2, threads: 2, seqLen: 256, batchSize: 8 },
    },
  },
};

export function presetNames(): string[] {
  return Object.keys(PRESETS);
}
