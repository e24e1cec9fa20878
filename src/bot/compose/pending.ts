/**
 * A compose's PendingJob row, from the moment it is queued until its user has an answer: what a
 * restarted bot needs to tell that user (src/bot/compose/recovery.ts). Bookkeeping must never cost
 * a compose: a failed write is logged and the compose goes on without the row.
 */
import { createPendingJob, deletePendingJob, markPendingJobInterrupted, setPendingJobWorkDir } from '../../db/index.js';
import type { BotContext } from '../context.js';
import { requestToJson } from './interrupted.js';
import type { ComposeInteraction, ComposeJobRequest } from './job-request.js';

/** An interaction's webhook token lives this long (Discord: 15 minutes). */
export const INTERACTION_TOKEN_LIFETIME_MS = 15 * 60_000;

export class PendingJobRecord {
  private readonly created: Promise<number | undefined>;

  constructor(
    private readonly context: BotContext,
    interaction: ComposeInteraction,
    request: ComposeJobRequest,
  ) {
    this.created = createPendingJob(context.db.prisma, {
      kind: request.kind,
      request: requestToJson(request),
      interactionId: interaction.id,
      interactionToken: interaction.token,
      applicationId: interaction.applicationId,
      channelId: interaction.channelId,
      guildId: interaction.guildId,
      userId: interaction.user.id,
      tokenExpiresAt: new Date(interaction.createdTimestamp + INTERACTION_TOKEN_LIFETIME_MS),
    }).then(
      (row) => row.id,
      (error: unknown) => {
        context.logger.warn({ err: error }, 'could not record the pending compose; a restart will not be able to tell its user');
        return undefined;
      },
    );
  }

  /** The row's id, once written (undefined when writing it failed). */
  id(): Promise<number | undefined> {
    return this.created;
  }

  async setWorkDir(workDir: string): Promise<void> {
    const id = await this.created;
    if (id !== undefined) await setPendingJobWorkDir(this.context.db.prisma, id, workDir).catch(this.warn('record the work folder'));
  }

  /** The user has their answer (piece, failure or refusal). */
  async finished(): Promise<void> {
    const id = await this.created;
    if (id !== undefined) await deletePendingJob(this.context.db.prisma, id).catch(this.warn('delete the pending compose'));
  }

  /** Cut short by a stop: the row stays as the Try again offer. */
  async interrupted(): Promise<void> {
    const id = await this.created;
    if (id !== undefined) await markPendingJobInterrupted(this.context.db.prisma, id).catch(this.warn('mark the compose interrupted'));
  }

  private warn(what: string) {
    return (error: unknown) => this.context.logger.warn({ err: error }, `could not ${what}`);
  }
}
