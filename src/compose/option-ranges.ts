/**
 * The numeric compose options' ranges, read from the compose schema itself, and the narrower
 * ranges an edge offers (/compose in Discord, the web playground), checked to lie inside them
 * when the edge's module loads — so an edge can never offer what the use case refuses.
 */
import { composeOptionsSchema } from './options.js';

export interface OptionRange {
  readonly min: number;
  readonly max: number;
}

export type NumericComposeOption = 'tracks' | 'tempo' | 'bars' | 'temperature' | 'samplingSeed' | 'takes';

/** A numeric compose option's range as the compose schema states it. */
export function schemaRange(key: NumericComposeOption): OptionRange {
  const { minValue: min, maxValue: max } = composeOptionsSchema.shape[key].unwrap();
  if (min === null || max === null) throw new Error(`the compose schema gives ${key} no range`);
  return { min, max };
}

/** A deliberately narrower range than the schema's, offered by `offeredBy`; throws when it is not inside. */
export function narrowerRange(key: NumericComposeOption, range: OptionRange, offeredBy: string): OptionRange {
  const outer = schemaRange(key);
  if (range.min < outer.min || range.max > outer.max)
    throw new Error(`${offeredBy} offers ${key} ${range.min}–${range.max}, outside the schema's ${outer.min}–${outer.max}`);
  return range;
}
