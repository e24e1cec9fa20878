/**
 * The harmonize use case: a melody (seed notes or a MIDI file) kept exactly as the first track,
 * the model's accompaniment around it → piece.mid, piece.ogg, piece.png and compose's summary plus
 * `melodyKept`. Its input schema is src/compose/harmonize.ts's; the command line and the bot's
 * compose worker come through here.
 */
import {
  harmonizeOptionsSchema,
  harmonizeToFiles,
  parseHarmonizeOptions,
  type HarmonizeOptions,
  type HarmonizeOptionsInput,
  type HarmonizeSummary,
} from '../compose/harmonize.js';
import type { ComposeDependencies } from '../compose/pipeline.js';
import { loadSeed } from '../compose/seed-input.js';

export { harmonizeOptionsSchema as harmonizeInputSchema };
export type HarmonizeInput = HarmonizeOptionsInput;
export type { HarmonizeSummary } from '../compose/harmonize.js';

/** The input checked against the schema: InvalidInputError naming the field otherwise. */
export function parseHarmonizeInput(input: unknown): HarmonizeOptions {
  return parseHarmonizeOptions(input);
}

/** Harmonizes and renders one piece; `deps` carries the composer, progress and the abort signal. */
export async function harmonize(input: unknown, deps: ComposeDependencies = {}): Promise<HarmonizeSummary> {
  return harmonizeToFiles(parseHarmonizeInput(input), deps);
}

/** What can be checked before any model is loaded: the fields and the seed's notation (a MIDI melody only once downloaded). */
export async function checkHarmonizeInput(input: unknown, options: { hasMidi?: boolean } = {}): Promise<void> {
  const parsed = parseHarmonizeInput(options.hasMidi ? { ...(input as object), midi: 'attachment.mid' } : input);
  if (!options.hasMidi) await loadSeed({ notation: parsed.seed, seedBars: 1, tempo: parsed.tempo });
}
