/**
 * The rating reactions and what each is worth, from `RATING_EMOJIS` ("👍=1,👎=-1,❤️=2,🔥=2").
 * Reactions are compared by a normalised key: Discord sends ❤️ sometimes with and sometimes
 * without the U+FE0F variation selector, and both must count as the same vote.
 */
export const DEFAULT_RATING_EMOJIS = '👍=1,👎=-1,❤️=2,🔥=2';

export interface RatingEmoji {
  /** As configured (what the bot reacts with). */
  readonly emoji: string;
  /** Normalised form stored in the database. */
  readonly key: string;
  readonly weight: number;
}

export type RatingWeights = ReadonlyMap<string, number>;

/** The key ratings are stored and compared under. Custom emoji (`<:name:id>`) keep their text. */
export function normalizeEmoji(emoji: string): string {
  return emoji.trim().replace(/\uFE0F/g, '');
}

/** Parses the list; returns problems (not throwing) so config can report all of them at once. */
export function parseRatingEmojis(text: string): { emojis: RatingEmoji[]; problems: string[] } {
  const emojis: RatingEmoji[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const match = /^(.+?)\s*=\s*([+-]?\d+(?:\.\d+)?)$/u.exec(part);
    if (!match) {
      problems.push(`"${part}" is not EMOJI=WEIGHT (e.g. 👍=1)`);
      continue;
    }
    const emoji = (match[1] as string).trim();
    const key = normalizeEmoji(emoji);
    if (seen.has(key)) {
      problems.push(`${emoji} is listed twice`);
      continue;
    }
    seen.add(key);
    emojis.push({ emoji, key, weight: Number(match[2]) });
  }
  if (emojis.length === 0 && problems.length === 0) problems.push('the list is empty');
  return { emojis, problems };
}

export function ratingWeights(emojis: readonly RatingEmoji[]): RatingWeights {
  return new Map(emojis.map((e) => [e.key, e.weight]));
}
