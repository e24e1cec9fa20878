import { z } from 'zod';
import { InvalidInputError } from '../util/errors.js';
import { CELLS, RECURRENT_CELLS, type RecurrentCell } from './cells.js';

/** Architecture of a stacked recurrent language model over token ids. */
export const modelConfigSchema = z.object({
  vocabSize: z.number().int().min(2),
  embedding: z.number().int().min(1),
  layers: z.array(z.number().int().min(1)).min(1),
  /** The recurrent cell of every layer; absent means LSTM (every model saved before there was a choice). */
  cell: z.enum(RECURRENT_CELLS).optional(),
  /** Dropout on each recurrent layer's output while training (0 = off). */
  dropout: z.number().min(0).lt(1).default(0),
});
export type ModelConfig = z.infer<typeof modelConfigSchema>;

export function cellOf(config: Pick<ModelConfig, 'cell'>): RecurrentCell {
  return config.cell ?? 'lstm';
}

export function parseModelConfig(value: unknown): ModelConfig {
  const parsed = modelConfigSchema.safeParse(value);
  if (!parsed.success)
    throw new InvalidInputError(`invalid model configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** The reference configuration of the speed goals (issue 3). */
export const REFERENCE_CONFIG: ModelConfig = { vocabSize: 300, embedding: 64, layers: [256, 256], dropout: 0 };

export interface ParamBlock {
  name: string;
  shape: number[];
  offset: number; // in floats from the start of the parameter vector
  size: number;
}

/**
 * All parameters live in one float vector (so Adam, gradient averaging and
 * checkpoints are single copies), in Keras layout and order:
 * embedding/embeddings [V,E]; per layer CELL_k/kernel [in,G·H], recurrent_kernel [H,G·H],
 * bias [G·H] (LSTM: lstm_k, G = 4, gates i, f, c, o; GRU: gru_k, G = 3, gates z, r, n);
 * output/kernel [H,V], output/bias [V].
 */
export function paramLayout(config: ModelConfig): ParamBlock[] {
  const blocks: ParamBlock[] = [];
  let offset = 0;
  const add = (name: string, shape: number[]): void => {
    const size = shape.reduce((a, b) => a * b, 1);
    blocks.push({ name, shape, offset, size });
    offset += size;
  };
  add('embedding/embeddings', [config.vocabSize, config.embedding]);
  const cell = cellOf(config);
  const gates = CELLS[cell].gates;
  let inputs = config.embedding;
  config.layers.forEach((units, index) => {
    const layer = recurrentLayerName(cell, index);
    add(`${layer}/kernel`, [inputs, gates * units]);
    add(`${layer}/recurrent_kernel`, [units, gates * units]);
    add(`${layer}/bias`, [gates * units]);
    inputs = units;
  });
  add('output/kernel', [inputs, config.vocabSize]);
  add('output/bias', [config.vocabSize]);
  return blocks;
}

/** Keras's name of recurrent layer `index` (0-based): lstm_1, lstm_2… or gru_1… */
export function recurrentLayerName(cell: RecurrentCell, index: number): string {
  return `${cell}_${index + 1}`;
}

export function paramCount(config: ModelConfig): number {
  const layout = paramLayout(config);
  const last = layout[layout.length - 1]!;
  return last.offset + last.size;
}
