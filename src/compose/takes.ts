/**
 * Takes: one request composed more than once with different sampling seeds (`takes: 2`,
 * `--takes 2`, /compose `takes:2`), so the listener can pick the better one. Take A samples with
 * the request's sampling seed (the one asked for, else a random one), take B with the next one
 * (A's + 1, 0 after the largest), so one `--sample-seed` makes both takes again and take B's own
 * seed makes B again alone. Each take is a whole piece in its own folder (`take-a/`, `take-b/`).
 */
import { MAX_SAMPLING_SEED, MAX_TAKES } from './options.js';

export { MAX_TAKES };

export const TAKE_LETTERS = ['A', 'B'] as const;
export type TakeLetter = (typeof TAKE_LETTERS)[number];

/** The letter of take `index` (0 = A). */
export function takeLetter(index: number): TakeLetter {
  const letter = TAKE_LETTERS[index];
  if (letter === undefined) throw new RangeError(`there is no take ${index + 1} (at most ${MAX_TAKES})`);
  return letter;
}

/** The sampling seed of take `index`: take A's seed, then the following ones (wrapping to 0). */
export function takeSamplingSeed(firstSeed: number, index: number): number {
  return (firstSeed + index) % (MAX_SAMPLING_SEED + 1);
}

/** The folder of take `index` inside the output folder: `take-a`, `take-b`. */
export function takeFolder(index: number): string {
  return `take-${takeLetter(index).toLowerCase()}`;
}
