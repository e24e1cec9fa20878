/**
 * Fine-tuning across a vocabulary that grew at its end (token language 1 → 2 added the key
 * tokens after every other id): the old weights keep their rows, the new tokens get fresh
 * embedding rows and output columns that start out unlikely, so the widened model predicts
 * exactly what the old one did until training teaches it the new tokens.
 */
import { InvalidInputError } from '../util/errors.js';
import type { Vocabulary } from '../music/vocabulary.js';
import { type ModelConfig, paramLayout } from './config.js';
import { Rng } from './rng.js';

export function widenVocabulary(
  config: ModelConfig,
  params: Float32Array,
  from: Vocabulary,
  to: Vocabulary,
  seed = 1,
): { config: ModelConfig; params: Float32Array } {
  if (from.size !== config.vocabSize) throw new InvalidInputError(`the model has ${config.vocabSize} token ids but its vocabulary ${from.size}`);
  const prefix = from.size <= to.size && from.describe(Array.from({ length: from.size }, (_, i) => i)).every((name, id) => to.name(id) === name);
  if (!prefix) throw new InvalidInputError(`vocabulary ${from.version} (${from.size} tokens) is not the start of ${to.version} (${to.size} tokens)`);
  const wide: ModelConfig = { ...config, vocabSize: to.size };
  const out = new Float32Array(paramLayout(wide).reduce((n, b) => n + b.size, 0));
  const oldBlocks = new Map(paramLayout(config).map((b) => [b.name, b]));
  const rng = new Rng(seed);
  for (const block of paramLayout(wide)) {
    const old = oldBlocks.get(block.name)!;
    const source = params.subarray(old.offset, old.offset + old.size);
    const target = out.subarray(block.offset, block.offset + block.size);
    if (block.name === 'embedding/embeddings') {
      target.set(source);
      let sumSquares = 0;
      for (const w of source) sumSquares += w * w;
      const scale = Math.sqrt(sumSquares / source.length);
      // Uniform with the old rows' RMS: new tokens look like tokens, not like silence.
      for (let i = source.length; i < target.length; i++) target[i] = rng.uniform(-1, 1) * scale * Math.sqrt(3);
    } else if (block.name === 'output/kernel') {
      // [inputs, vocab] row-major: copy each row's old columns, new columns stay 0.
      const inputs = block.shape[0]!;
      for (let r = 0; r < inputs; r++) target.set(source.subarray(r * from.size, (r + 1) * from.size), r * to.size);
    } else if (block.name === 'output/bias') {
      target.set(source);
      target.fill(Math.min(...source), from.size);
    } else {
      target.set(source);
    }
  }
  return { config: wide, params: out };
}
