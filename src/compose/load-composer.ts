/**
 * The composer used when a caller injects none: the LSTM engine with `--model`, RHYTHMIX_MODEL or
 * the bundled model. Imported lazily so loading the pipeline does not load the engine. Kept apart
 * from composer.ts, whose types the engine implements, so the two do not import each other.
 */
import type { ModelFingerprint } from './composer-cache.js';
import type { ComposerLoader } from './composer.js';

export const loadComposer: ComposerLoader = async (model) => {
  const { loadLstmComposer } = await import('./lstm-composer.js');
  return loadLstmComposer(model);
};

/** What identifies the model `loadComposer(model)` would load now (for a worker's composer cache). */
export const modelFingerprint: ModelFingerprint = async (model) => {
  const { lstmModelFingerprint } = await import('./lstm-composer.js');
  return lstmModelFingerprint(model);
};
