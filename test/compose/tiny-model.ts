/** A tiny untrained model in a folder (`--model DIR`): fast to load and sample, and every sampling seed picks other notes. */
import type { ModelCard } from '../../src/model/model-files.js';
import { DEFAULT_VOCABULARY, type Vocabulary } from '../../src/music/vocabulary.js';
import type { ModelConfig } from '../../src/model/config.js';
import { saveModel } from '../../src/model/model-files.js';
import { createLanguageModel } from '../../src/model/create-language-model.js';

export interface TinyModelOptions {
  /** Default: the program's vocabulary (token language 2). */
  vocabulary?: Vocabulary;
  /** Card fields to set or override (e.g. `keys`, `data`). */
  card?: Partial<ModelCard>;
  seed?: number;
}

export async function saveTinyModel(dir: string, name = 'tiny-takes', options: TinyModelOptions = {}): Promise<void> {
  const vocabulary = options.vocabulary ?? DEFAULT_VOCABULARY;
  const config: ModelConfig = { vocabSize: vocabulary.size, embedding: 8, layers: [16], dropout: 0 };
  const net = createLanguageModel(config);
  net.initialize(options.seed ?? 7);
  await saveModel(dir, {
    config,
    params: net.getParameters(),
    vocabulary: vocabulary.toJSON(),
    card: {
      name,
      version: 'test',
      parent: null,
      createdAt: '2026-01-01T00:00:00.000Z',
      data: { source: 'test', styles: ['classical', 'folk'], stepsPerQuarter: 4 },
      config: { model: config },
      epochs: 0,
      validationNll: null,
      trainingSeconds: 0,
      engine: 'test',
      ...options.card,
    },
  });
}
