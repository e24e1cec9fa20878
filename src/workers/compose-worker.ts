/**
 * Child-process entry for the bot's compose jobs (`runJob(…, { via: 'process' })`, low priority):
 * compose options → piece.mid, piece.ogg, piece.png in `options.outDir` → the summary and the
 * piece's tokens, through the compose use case (src/app/compose.ts). Generation and rendering both
 * run here, so the bot's process only waits.
 */
import type { Composer } from '../compose/composer.js';
import { loadComposer } from '../compose/load-composer.js';
import { compose, type ComposeProgress, type ComposeSummary } from '../app/compose.js';
import { harmonize } from '../app/harmonize.js';
import { serve } from '../jobs/serve.js';
import type { Piece } from '../music/piece.js';
import { quantizePiece } from '../music/quantize.js';
import { encodePiece } from '../music/tokens.js';

export interface ComposeChildInput {
  /** The compose use case's input (validated there, src/app/compose.ts); `outDir` is the piece's folder. */
  readonly options: Record<string, unknown>;
  /** The use case to run (default compose); harmonize takes its own options (src/app/harmonize.ts). */
  readonly useCase?: 'compose' | 'harmonize';
}

export interface ComposeChildOutput {
  /** `melodyKept` only from harmonize. */
  readonly summary: ComposeSummary & { readonly melodyKept?: boolean };
  /** The piece in the default token language, or null when it cannot be encoded. */
  readonly tokens: number[] | null;
}

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

serve<ComposeChildInput, ComposeChildOutput, ComposeProgress>(async (input, { progress, signal }) => {
  const model = typeof input.options.model === 'string' ? input.options.model : undefined;
  let composed: Piece | undefined;
  const composer = capturing(await loadComposer(model), (piece) => (composed = piece));
  const run = input.useCase === 'harmonize' ? harmonize : compose;
  const summary = await run(input.options, { composer, renderIn: 'inline', onProgress: progress, signal });
  return { summary, tokens: tokensOf(composed, summary.style) };
});
