/**
 * Musical styles the model is conditioned on: one per training data set
 * (JSB chorales → classical, Nottingham → folk, game soundtracks → game).
 * Each style is one token right after `<start>` (see tokens.ts).
 */
import { InvalidInputError } from '../util/errors.js';
import { quoteInput } from '../util/text.js';

export const STYLES = ['classical', 'folk', 'game'] as const;
export type Style = (typeof STYLES)[number];

/**
 * True when `value` names a style.
 *
 *     isStyle('folk')  // => true
 *     isStyle('jazz')  // => false
 */
export function isStyle(value: unknown): value is Style {
  return typeof value === 'string' && (STYLES as readonly string[]).includes(value);
}

/**
 * A style from user input (case-insensitive); throws `InvalidInputError` naming the
 * value and the accepted ones.
 *
 *     parseStyle('Folk')  // => 'folk'
 */
export function parseStyle(text: string): Style {
  const normalised = text.trim().toLowerCase();
  if (isStyle(normalised)) return normalised;
  throw new InvalidInputError(`unknown style ${quoteInput(text)}: expected one of ${STYLES.join(', ')}`);
}
