/** A tiny untrained model in a folder (`--model DIR`): fast to load and sample, and every sampling seed picks other notes. */
import { DEFAULT_VOCABULARY } from '../../src/music/vocabulary.js';
import type { ModelConfig } from '../../src/model/config.js';
import { saveModel } from '../../src/model/model-files.js';
import { LstmNetwork } from '../../src/model/network.js';

export async function saveTinyModel(dir: string, name = 'tiny-takes'): Promise<void> {
  const config: ModelConfig = { vocabSize: DEFAULT_VOCABULARY.size, embedding: 8, layers: [16], dropout: 0 };
  const net = new LstmNetwork(config);
  net.initialize(7);
  await saveModel(dir, {
    config,
    params: net.getParameters(),
    vocabulary: DEFAULT_VOCABULARY.toJSON(),
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
    },
  });
}
