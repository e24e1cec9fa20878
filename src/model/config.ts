import { z } from 'zod';
import { InvalidInputError } from '../util/errors.js';

/** Architecture of a stacked-LSTM language model over token ids. */
export const modelConfigSchema = z.object({
  vocabSize: z.number().int().min(2),
  embedding: z.number().int().min(1),
  layers: z.array(z.number().int().min(1)).min(1),
  /** Dropout on each LSTM layer's output while training (0 = off). */
  dropout: z.number().min(0).lt(1).default(0),
});
export type ModelConfig = z.infer<typeof modelConfigSchema>;

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
 * embedding/embeddings [V,E]; lstm_k/kernel [in,4H], recurrent_kernel [H,4H],
 * bias [4H] (gates i, f, c, o); output/kernel [H,V], output/bias [V].
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
  let inputs = config.embedding;
  config.layers.forEach((units, index) => {
    const layer = lstmLayerName(index);
    add(`${layer}/kernel`, [inputs, 4 * units]);
    add(`${layer}/recurrent_kernel`, [units, 4 * units]);
    add(`${layer}/bias`, [4 * units]);
    inputs = units;
  });
  add('output/kernel', [inputs, config.vocabSize]);
  add('output/bias', [config.vocabSize]);
  return blocks;
}

export function lstmLayerName(index: number): string {
  return `lstm_${index + 1}`;
}

export function paramCount(config: ModelConfig): number {
  const layout = paramLayout(config);
  const last = layout[layout.length - 1]!;
  return last.offset + last.size;
}
