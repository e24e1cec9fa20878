import { normalizeEmoji, type RatingEmoji } from '../config/rating-emojis.js';

/** The stored key of a reaction's emoji when it is a configured rating emoji, else null. */
export function ratingKey(emoji: { id?: string | null; name: string | null; animated?: boolean | null }, configured: readonly RatingEmoji[]): string | null {
  const id = emoji.id ?? null;
  const text = id ? `<${emoji.animated ? 'a' : ''}:${emoji.name ?? '_'}:${id}>` : emoji.name;
  if (!text) return null;
  const key = normalizeEmoji(text);
  // A custom emoji may be configured by its id alone ("<:x:123>" renamed later still counts).
  const match = configured.find((e) => e.key === key || (id !== null && e.key.endsWith(`:${id}>`)));
  return match ? match.key : null;
}
