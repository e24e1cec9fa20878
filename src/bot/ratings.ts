/**
 * Reactions under the bot's piece messages are ratings. Adds and removals are both stored (a
 * removal stamps `removedAt`); only the configured emojis count; the bot's own reactions (the
 * ones it adds as buttons to click) are ignored. Works on old, uncached messages too: with the
 * Message/Reaction/User partials discord.js still emits the event with the ids, which is all
 * this needs — the piece is found by message id. Every event also schedules a re-read of the
 * message's reactions, and every new gateway session re-reads recent pieces (rating-reconciler.ts),
 * so lost or out-of-order events cannot leave a wrong state.
 */
import { Events, type MessageReaction, type PartialMessageReaction, type PartialUser, type User } from 'discord.js';
import { getPieceByMessageId } from '../db/pieces.js';
import { addRating, removeRating } from '../db/ratings.js';
import type { BotContext } from './context.js';
import { ratingKey } from './rating-key.js';
import { RatingReconciler } from './rating-reconciler.js';
import { servesGuild } from './shard.js';

type Reaction = MessageReaction | PartialMessageReaction;
type ReactingUser = User | PartialUser;

/** Stores one reaction event; returns the piece it rated (null when it is not a rating). */
export async function recordReaction(context: BotContext, reaction: Reaction, user: ReactingUser, change: 'add' | 'remove') {
  if (user.id === context.client.user?.id || user.bot === true) return null;
  const key = ratingKey(reaction.emoji, context.config.ratingEmojis);
  if (!key) return null;
  const piece = await getPieceByMessageId(context.db.prisma, reaction.message.id);
  if (!piece) return null;
  const event = { pieceId: piece.id, user: { id: user.id, ...(user.username ? { name: user.username } : {}) }, emoji: key };
  const result = change === 'add' ? await addRating(context.db.prisma, event) : await removeRating(context.db.prisma, event);
  context.logger.debug({ piece: piece.id, user: user.id, emoji: key, change, changed: result.changed }, 'rating');
  return piece;
}

/** Listens for reactions and reconciles after each new gateway session; returns the reconciler to stop. */
export function attachRatingListeners(context: BotContext, options: { recheckDelayMs?: number } = {}): RatingReconciler {
  const reconciler = new RatingReconciler({
    client: context.client,
    prisma: context.db.prisma,
    logger: context.logger,
    emojis: context.config.ratingEmojis,
    windowMs: context.config.ratings.reconcileWindowMs,
    servesGuild: (guildId) => servesGuild(context.client, guildId),
    ...options,
  });
  const handle = (change: 'add' | 'remove') => (reaction: Reaction, user: ReactingUser) => {
    const messageId = reaction.message.id;
    reconciler
      .inOrder(messageId, () => recordReaction(context, reaction, user, change))
      .then((piece) => {
        if (piece?.channelId) reconciler.scheduleRecheck({ id: piece.id, channelId: piece.channelId, messageId });
      })
      .catch((error: unknown) => context.logger.error({ err: error, message: messageId, change }, 'could not store a rating'));
  };
  context.client.on(Events.MessageReactionAdd, handle('add'));
  context.client.on(Events.MessageReactionRemove, handle('remove'));
  // A resume replays what was missed; a new session (start-up, or a resume Discord refused) does not.
  context.client.on(Events.ShardReady, () => {
    reconciler
      .reconcileRecent()
      .then((summary) => context.logger.info(summary, 'rating reactions re-read'))
      .catch((error: unknown) => context.logger.warn({ err: error }, 'could not re-read the rating reactions'));
  });
  return reconciler;
}
