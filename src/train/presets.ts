import type { ModelConfig } from '../model/config.js';
import type { TrainingSettings } from './settings.js';

/** A named starting point for `rhythmix train --preset NAME`; flags and --config override it. */
export interface TrainingPreset {
  description: string;
  model: Partial<Omit<ModelConfig, 'vocabSize'>>;
  training: Partial<TrainingSettings>;
}

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
};

export function presetNames(): string[] {
  return Object.keys(PRESETS);
}
