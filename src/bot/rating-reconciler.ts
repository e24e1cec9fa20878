/**
 * Keeps the stored ratings equal to Discord's reactions. Reaction events are applied as they come
 * (fast), but they carry no timestamps: events lost while the bot was down, or replayed out of
 * order on a resume, would leave a wrong state. So the reactions themselves are re-read
 *  - after every new gateway session, for the pieces posted within the configured window, and
 *  - for one message once its reaction events quiet down (a burst costs one re-read).
 * Work on one message runs in order: an event that arrives while the message is being re-read is
 * applied after that snapshot is stored, never under it.
 */
import { DiscordAPIError, Routes, type APIMessage, type APIUser, type Client } from 'discord.js';
import type { RatingEmoji } from '../config/rating-emojis.js';
import { listPostedPiecesSince, type PostedPiece } from '../db/pieces.js';
import { reconcileRatings, type Reconciliation } from '../db/ratings.js';
import type { Member } from '../db/members.js';
import type { PrismaClient } from '../db/generated/sqlite/client.js';
import type { Logger } from '../util/logger.js';
import { ratingKey } from './rating-key.js';

/** Discord's page size for reaction users. */
const USERS_PER_PAGE = 100;
/** Re-read a message this long after its last reaction event. */
export const DEFAULT_RECHECK_DELAY_MS = 3_000;
/** Messages gone or out of reach: nothing to reconcile, not an error. */
const GONE_CODES = new Set([10003, 10008, 50001, 50013]);

export interface RatingReconcilerOptions {
  readonly client: Client;
  readonly prisma: PrismaClient;
  readonly logger: Logger;
  readonly emojis: readonly RatingEmoji[];
  /** How far back a new session re-reads (0 = not at all). */
  readonly windowMs: number;
  readonly recheckDelayMs?: number;
  /** Whether this process serves the server (null: DMs); with shards each re-reads only its own. Default: all. */
  readonly servesGuild?: (guildId: string | null) => boolean;
}

export interface ReconcileSummary {
  readonly pieces: number;
  readonly added: number;
  readonly removed: number;
}

export class RatingReconciler {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly rechecks = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly options: RatingReconcilerOptions) {}

  /** Runs `work` after everything already queued for this message. */
  inOrder<T>(messageId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(messageId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.queues.set(messageId, tail);
    void tail.then(() => {
      if (this.queues.get(messageId) === tail) this.queues.delete(messageId);
    });
    return next;
  }

  /** Re-reads the message once no reaction event has come for the recheck delay. */
  scheduleRecheck(piece: PostedPiece): void {
    if (this.stopped) return;
    clearTimeout(this.rechecks.get(piece.messageId));
    const timer = setTimeout(() => {
      this.rechecks.delete(piece.messageId);
      this.inOrder(piece.messageId, () => this.reconcileMessage(piece)).catch((error: unknown) =>
        this.options.logger.warn({ err: error, piece: piece.id }, 'could not re-read the rating reactions'),
      );
    }, this.options.recheckDelayMs ?? DEFAULT_RECHECK_DELAY_MS);
    timer.unref();
    this.rechecks.set(piece.messageId, timer);
  }

  /** Re-reads the reactions of every piece posted within the window, one message at a time. */
  async reconcileRecent(now = Date.now()): Promise<ReconcileSummary> {
    if (this.options.windowMs <= 0) return { pieces: 0, added: 0, removed: 0 };
    const serves = this.options.servesGuild ?? (() => true);
    const pieces = (await listPostedPiecesSince(this.options.prisma, new Date(now - this.options.windowMs))).filter((piece) => serves(piece.guildId ?? null));
    let added = 0;
    let removed = 0;
    for (const piece of pieces) {
      if (this.stopped) break;
      const result = await this.inOrder(piece.messageId, () => this.reconcileMessage(piece));
      added += result?.added ?? 0;
      removed += result?.removed ?? 0;
    }
    return { pieces: pieces.length, added, removed };
  }

  /** Makes one piece's ratings equal its message's reactions; null when the message is gone. */
  async reconcileMessage(piece: PostedPiece): Promise<Reconciliation | null> {
    if (this.stopped) return null;
    const { client, prisma, emojis } = this.options;
    let message: APIMessage;
    try {
      message = (await client.rest.get(Routes.channelMessage(piece.channelId, piece.messageId))) as APIMessage;
    } catch (error) {
      if (error instanceof DiscordAPIError && typeof error.code === 'number' && GONE_CODES.has(error.code)) return null;
      throw error;
    }
    const reactors = new Map<string, Member[]>();
    for (const reaction of message.reactions ?? []) {
      const key = ratingKey(reaction.emoji, emojis);
      if (!key || reaction.count === 0) continue;
      const identifier = reaction.emoji.id ? `${reaction.emoji.name ?? '_'}:${reaction.emoji.id}` : encodeURIComponent(reaction.emoji.name ?? '');
      const users = await this.reactingUsers(piece, identifier);
      reactors.set(key, [...(reactors.get(key) ?? []), ...users]);
    }
    if (this.stopped) return null;
    const result = await reconcileRatings(prisma, { pieceId: piece.id, emojis: emojis.map((e) => e.key), reactors });
    if (result.added + result.removed > 0) this.options.logger.info({ piece: piece.id, ...result }, 'ratings reconciled with Discord');
    return result;
  }

  /** Everyone but bots who reacted with the emoji, page by page. */
  private async reactingUsers(piece: PostedPiece, identifier: string): Promise<Member[]> {
    const members: Member[] = [];
    let after: string | undefined;
    for (;;) {
      const query = new URLSearchParams({ limit: String(USERS_PER_PAGE), ...(after ? { after } : {}) });
      const page = (await this.options.client.rest.get(Routes.channelMessageReaction(piece.channelId, piece.messageId, identifier), { query })) as APIUser[];
      for (const user of page) {
        if (!user.bot && user.id !== this.options.client.user?.id) members.push({ id: user.id, name: user.username });
      }
      if (page.length < USERS_PER_PAGE) return members;
      after = page[page.length - 1]!.id;
    }
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.rechecks.values()) clearTimeout(timer);
    this.rechecks.clear();
  }
}
