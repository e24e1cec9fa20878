/**
 * Reactions under the bot's piece messages are ratings. Adds and removals are both stored (a
 * removal stamps `removedAt`); only the configured emojis count; the bot's own reactions (the
 * ones it adds as buttons to click) are ignored. Works on old, uncached messages too: with the
 * Message/Reaction/User partials discord.js still emits the event with the ids, which is all
 * this needs — the piece is found by message id.
 */
import { Events, type MessageReaction, type PartialMessageReaction, type PartialUser, type User } from 'discord.js';
import { normalizeEmoji, type RatingEmoji } from '../config/rating-emojis.js';
import { getPieceByMessageId } from '../db/pieces.js';
import { addRating, removeRating } from '../db/ratings.js';
import type { BotContext } from './context.js';

/** The stored key of a reaction's emoji when it is a configured rating emoji, else null. */
export function ratingKey(emoji: { id: string | null; name: string | null; animated?: boolean | null }, configured: readonly RatingEmoji[]): string | null {
  const text = emoji.id ? `<${emoji.animated ? 'a' : ''}:${emoji.name ?? '_'}:${emoji.id}>` : emoji.name;
  if (!text) return null;
  const key = normalizeEmoji(text);
  // A custom emoji may be configured by its id alone ("<:x:123>" renamed later still counts).
  const match = configured.find((e) => e.key === key || (emoji.id !== null && e.key.endsWith(`:${emoji.id}>`)));
  return match ? match.key : null;
}

type Reaction = MessageReaction | PartialMessageReaction;
type ReactingUser = User | PartialUser;

export async function recordReaction(context: BotContext, reaction: Reaction, user: ReactingUser, change: 'add' | 'remove'): Promise<boolean> {
  if (user.id === context.client.user?.id || user.bot === true) return false;
  const key = ratingKey(reaction.emoji, context.config.ratingEmojis);
  if (!key) return false;
  const piece = await getPieceByMessageId(context.db.prisma, reaction.message.id);
  if (!piece) return false;
  const event = { pieceId: piece.id, user: { id: user.id, ...(user.username ? { name: user.username } : {}) }, emoji: key };
  const result = change === 'add' ? await addRating(context.db.prisma, event) : await removeRating(context.db.prisma, event);
  context.logger.debug({ piece: piece.id, user: user.id, emoji: key, change, changed: result.changed }, 'rating');
  return result.changed;
}

export function attachRatingListeners(context: BotContext): void {
  const handle = (change: 'add' | 'remove') => (reaction: Reaction, user: ReactingUser) => {
    recordReaction(context, reaction, user, change).catch((error: unknown) =>
      context.logger.error({ err: error, message: reaction.message.id, change }, 'could not store a rating'),
    );
  };
  context.client.on(Events.MessageReactionAdd, handle('add'));
  context.client.on(Events.MessageReactionRemove, handle('remove'));
}
