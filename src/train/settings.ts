import { z } from 'zod';

/** How a model is trained (the architecture is ModelConfig). */
export const trainingSettingsSchema = z.object({
  seqLen: z.number().int().min(1).default(64),
  batchSize: z.number().int().min(1).default(32),
  learningRate: z.number().positive().default(2e-3),
  epochs: z.number().int().min(1).default(10),
  /** Worker threads sharing each batch (gradients averaged); 0 = one per core, keeping ≥ 8 batch rows each. */
  threads: z.number().int().min(0).default(0),
  /** Global gradient-norm clip (0 = off). */
  clipNorm: z.number().min(0).default(5),
  seed: z.number().int().default(1),
  /** Stop after this many epochs without a better validation NLL (0 = never). */
  earlyStopping: z.number().int().min(0).default(0),
  /** Transposition augmentation: each epoch moves every piece by a random shift within ±transpose semitones (0 = off). */
  transpose: z.number().int().min(0).max(12).default(0),
  /** After an epoch without a better validation NLL the learning rate is multiplied by this (1 = constant). */
  lrDecay: z.number().gt(0).max(1).default(1),
  /**
   * Stateful truncated BPTT: each batch row plays whole pieces window after window and carries
   * its recurrent state across windows, so the model learns from the context it is used with.
   */
  stateful: z.boolean().default(false),
});
export type TrainingSettings = z.infer<typeof trainingSettingsSchema>;
