/**
 * The compose use case: seed notes or a MIDI file → the model → piece.mid, piece.ogg, piece.png
 * and a summary. Its input schema is the compose options' (src/compose/options.ts); the command
 * line, the bot's compose worker and the quality report's examples all come through here.
 */
import { buildRequest, composeToFiles, parseMeter, type ComposeDependencies, type ComposeSummary } from '../compose/pipeline.js';
import { composeOptionsSchema, parseComposeOptions, type ComposeOptions, type ComposeOptionsInput } from '../compose/options.js';
import { loadSeed } from '../compose/seed-input.js';

export { composeOptionsSchema as composeInputSchema };
export type ComposeInput = ComposeOptionsInput;
export type { ComposeDependencies, ComposeProgress, ComposeSummary } from '../compose/pipeline.js';

/** The input checked against the schema: InvalidInputError naming the field otherwise. */
export function parseComposeInput(input: unknown): ComposeOptions {
  return parseComposeOptions(input);
}

/** Composes and renders one piece; `deps` carries the composer, progress and the abort signal. */
export async function compose(input: unknown, deps: ComposeDependencies = {}): Promise<ComposeSummary> {
  return composeToFiles(parseComposeInput(input), deps);
}

/**
 * What can be checked before any model is loaded: the fields, their combinations, the seed's
 * notation and that the piece outlasts its seed. A MIDI seed is only known once downloaded, so
 * with one (`hasMidi`) only the fields are checked.
 */
export async function checkComposeInput(input: unknown, options: { hasMidi?: boolean } = {}): Promise<void> {
  const parsed = parseComposeInput(options.hasMidi ? { ...(input as object), midi: 'attachment.mid' } : input);
  if (!options.hasMidi) {
    const meter = parsed.meter === undefined ? undefined : parseMeter(parsed.meter);
    buildRequest(parsed, await loadSeed({ notation: parsed.seed, seedBars: parsed.seedBars, tempo: parsed.tempo, meter }));
  }
}
