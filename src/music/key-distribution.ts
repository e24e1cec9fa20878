/**
 * How often each key opens the pieces of each style, counted from token streams' headers. A
 * model's card keeps the counts of its training data, and compose draws a new piece's key from
 * its style's counts, so a folk tune lands in the keys folk tunes use (mostly G and D).
 *
 *     styleKeyCounts(streams, vocabulary)  // => { folk: { 'G major': 310, 'D major': 255, … }, … }
 *     drawKey(counts.folk, 0.42)           // => { tonicPitchClass: 7, mode: 'major' }
 */
import { keySignatureName, parseKey } from './key.js';
import type { KeySignature } from './piece.js';
import type { Vocabulary } from './vocabulary.js';

/** Per style: key name ('G major') → number of pieces. */
export type StyleKeyCounts = Record<string, Record<string, number>>;

/** Counts the (style, key) pairs of stream headers; streams without either are skipped. */
export function styleKeyCounts(streams: ReadonlyArray<ArrayLike<number>>, vocabulary: Vocabulary): StyleKeyCounts {
  const counts: StyleKeyCounts = {};
  if (!vocabulary.hasKeys) return counts;
  for (const stream of streams) {
    let style: string | undefined;
    // The header is <start> style key? meter …: the key, if any, is within the first few tokens.
    for (let i = 0; i < Math.min(stream.length, 4); i++) {
      const id = stream[i]!;
      const kind = vocabulary.kind(id);
      if (kind === 'style') style = vocabulary.spec.styles[id - vocabulary.first('style')];
      if (kind === 'key' && style !== undefined) {
        const name = keySignatureName(vocabulary.keySignature(id));
        const perStyle = (counts[style] ??= {});
        perStyle[name] = (perStyle[name] ?? 0) + 1;
        break;
      }
    }
  }
  return counts;
}

/**
 * The key at cumulative share `u` (0 ≤ u < 1, a uniform draw) of a style's counts, keys in a
 * fixed order so the same u gives the same key; undefined when there are no counts.
 */
export function drawKey(counts: Readonly<Record<string, number>> | undefined, u: number): KeySignature | undefined {
  if (counts === undefined) return undefined;
  const entries = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => a.localeCompare(b));
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return undefined;
  let remaining = u * total;
  for (const [name, n] of entries) {
    remaining -= n;
    if (remaining < 0) return asSignature(name);
  }
  return asSignature(entries[entries.length - 1]![0]);
}

function asSignature(name: string): KeySignature {
  const key = parseKey(name);
  return { tonicPitchClass: key.tonicPitchClass, mode: key.mode === 'minor' ? 'minor' : 'major' };
}
