import type { ModelConfig } from './config.js';
import type { LanguageModel } from './language-model.js';
import { RecurrentNetwork } from './recurrent-network.js';

/**
 * The one place an architecture is picked from a configuration. Today every model is a
 * stacked recurrent network whose cell (`config.cell`, LSTM by default) RecurrentNetwork
 * picks; an architecture of another shape implements LanguageModel and is chosen here.
 */
export function createLanguageModel(config: ModelConfig): LanguageModel {
  return new RecurrentNetwork(config);
}

/** A model with these weights (a loaded model, a checkpoint, a training snapshot). */
export function languageModelFrom(saved: { config: ModelConfig; params: Float32Array }): LanguageModel {
  const model = createLanguageModel(saved.config);
  model.setParameters(saved.params);
  return model;
}
