/**
 * Keeps the last loaded Composer for a long-lived worker (the bot's warm compose workers), keyed by
 * a fingerprint of the model it would load now: the resolved model folder and its files' sizes and
 * modification times. A job asks once, at its start, and keeps the composer it got to its end, so a
 * model switch (another guild version, a new current.json, files replaced in place) takes effect
 * at the next job and never halfway through one.
 */
import type { Composer, ComposerLoader } from './composer.js';

/** What identifies the model `model` (undefined = the default choice) resolves to right now. */
export type ModelFingerprint = (model: string | undefined) => Promise<string>;

export interface ComposerCache {
  /** The composer for `model`: the kept one when the fingerprint is unchanged, else a fresh load. */
  get(model: string | undefined): Promise<Composer>;
  /** Loads done so far (a cache hit loads nothing). */
  readonly loads: number;
}

export function createComposerCache(load: ComposerLoader, fingerprint: ModelFingerprint): ComposerCache {
  // The load itself is kept, so a job arriving while the same model still loads waits for that load.
  let kept: { key: string; composer: Promise<Composer> } | undefined;
  let loads = 0;
  return {
    async get(model) {
      const key = await fingerprint(model);
      if (kept?.key === key) return kept.composer;
      // Only one model is held: a worker serving another guild's version drops the previous one.
      loads++;
      const loading = { key, composer: load(model) };
      kept = loading;
      try {
        return await loading.composer;
      } catch (error) {
        // A failed load is not kept: the next job tries again.
        if (kept === loading) kept = undefined;
        throw error;
      }
    },
    get loads() {
      return loads;
    },
  };
}
