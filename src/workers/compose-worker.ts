/**
 * Child-process entry for the bot's compose jobs (low priority): compose options → piece.mid,
 * piece.ogg, piece.png in `options.outDir` → the summary and the piece's tokens, through the compose
 * use case (src/app/compose.ts). Generation and rendering both run here, so the bot's process only
 * waits.
 *
 * Long-lived: the bot keeps a pool of these warm (src/jobs/worker-pool.ts), one job per call, and
 * the loaded model stays between calls (composer-cache.ts: reloaded when the job's model, or its
 * files, differ). `runJob` (one call, then stop) works the same, for `COMPOSE_WORKERS=0`.
 */
import type { Composer } from '../compose/composer.js';
import { createComposerCache } from '../compose/composer-cache.js';
import { loadComposer, modelFingerprint } from '../compose/load-composer.js';
import { compose, type ComposeProgress } from '../app/compose.js';
import type { ComposeChildInput, ComposeChildOutput } from '../app/compose-job.js';
import { harmonize } from '../app/harmonize.js';
import { serveCalls } from '../jobs/serve.js';
import type { Piece } from '../music/piece.js';
import { quantizePiece } from '../music/quantize.js';
import { encodePiece } from '../music/tokens.js';

export type { ComposeChildInput, ComposeChildOutput } from '../app/compose-job.js';

/** Wraps the model's composer to keep the piece it made (for the stored tokens). */
function capturing(composer: Composer, keep: (piece: Piece) => void): Composer {
  return {
    model: composer.model,
    compose: async (...args) => {
      const piece = await composer.compose(...args);
      keep(piece);
      return piece;
    },
  };
}

function tokensOf(piece: Piece | undefined, style: string): number[] | null {
  if (!piece) return null;
  try {
    return encodePiece(quantizePiece(piece).piece, { style });
  } catch {
    // A piece the default grid cannot hold is still a piece; only the token record is missing.
    return null;
  }
}

const composers = createComposerCache(loadComposer, modelFingerprint);
// Warm means loaded: the default model (RHYTHMIX_MODEL or the registry's current one) loads now, before
// the first job. A failure here is the first job's to report (it tries again).
composers.get(undefined).catch(() => undefined);

serveCalls<ComposeChildInput, ComposeChildOutput, ComposeProgress>({
  call: async (input, { progress, signal }) => {
    const model = typeof input.options.model === 'string' ? input.options.model : undefined;
    let composed: Piece | undefined;
    // Taken once: the job composes with this model to its end, whatever is published meanwhile.
    const composer = capturing(await composers.get(model), (piece) => (composed = piece));
    const run = input.useCase === 'harmonize' ? harmonize : compose;
    let scorePreview: string | undefined;
    const later = input.scoreImage === 'later' ? { onScoreLater: (preview: string) => (scorePreview = preview) } : {};
    const summary = await run(input.options, { composer, renderIn: 'inline', onProgress: progress, signal, ...later });
    return { summary, tokens: tokensOf(composed, summary.style), ...(scorePreview !== undefined ? { scorePreview } : {}) };
  },
});
