/**
 * The compose use case: seed notes or a MIDI file → the model → piece.mid, piece.ogg, piece.png
 * and a summary. Its input schema is the compose options' (src/compose/options.ts); the command
 * line, the bot's compose worker and the quality report's examples all come through here.
 * With `takes: 2` it composes the request twice (src/compose/takes.ts), each take in its own folder.
 */
import path from 'node:path';
import type { Composer } from '../compose/composer.js';
import { loadComposer } from '../compose/load-composer.js';
import { buildRequest, composeToFiles, parseMeter, type ComposeDependencies, type ComposeSummary } from '../compose/pipeline.js';
import { composeOptionsSchema, parseComposeOptions, randomSamplingSeed, type ComposeOptions, type ComposeOptionsInput } from '../compose/options.js';
import { loadSeed } from '../compose/seed-input.js';
import { takeFolder, takeLetter, takeSamplingSeed, type TakeLetter } from '../compose/takes.js';

export { composeOptionsSchema as composeInputSchema };
export type ComposeInput = ComposeOptionsInput;
export type { ComposeDependencies, ComposeProgress, ComposeSummary } from '../compose/pipeline.js';
export { takeLetter, type TakeLetter } from '../compose/takes.js';

/** The input checked against the schema: InvalidInputError naming the field otherwise. */
export function parseComposeInput(input: unknown): ComposeOptions {
  return parseComposeOptions(input);
}

/** One take of a request composed more than once: its letter and its piece's summary. */
export interface TakeSummary extends ComposeSummary {
  readonly take: TakeLetter;
}

/** A compose's summary; with more than one take, take A's, and `takes` lists every take. */
export type ComposeResult = ComposeSummary & { readonly takes?: readonly TakeSummary[] };

export interface ComposeTakesDependencies extends ComposeDependencies {
  /** Called as each take starts (index 0 = A), only when there is more than one. */
  readonly onTake?: (index: number, count: number) => void;
}

/** Composes and renders one piece, or each take; `deps` carries the composer, progress and the abort signal. */
export async function compose(input: unknown, deps: ComposeTakesDependencies = {}): Promise<ComposeResult> {
  const parsed = parseComposeInput(input);
  if (parsed.takes === 1) return composeToFiles(parsed, deps);
  // The model is loaded once, when the first take needs it; every take composes with it.
  let composer: Promise<Composer> | undefined;
  const load = (model: string | undefined) => (composer ??= (deps.loadComposer ?? loadComposer)(model));
  const firstSeed = parsed.samplingSeed ?? randomSamplingSeed();
  const takes: TakeSummary[] = [];
  for (let index = 0; index < parsed.takes; index++) {
    deps.onTake?.(index, parsed.takes);
    const options = { ...parsed, takes: 1, samplingSeed: takeSamplingSeed(firstSeed, index), outDir: path.join(parsed.outDir, takeFolder(index)) };
    const summary = await composeToFiles(options, { ...deps, loadComposer: load });
    takes.push({ take: takeLetter(index), ...summary });
  }
  const { take: _letter, ...first } = takes[0]!;
  return { ...first, takes };
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
