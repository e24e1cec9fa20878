/**
 * After a crash or kill: the composes a previous run of the bot accepted and never answered
 * (their PendingJob rows) are told, so no message stays on "Composing…" — the original reply is
 * edited through its webhook token while that has more than a minute left, else a short message
 * in the channel mentions the user. Each gets a "Try again" button rather than an automatic
 * re-run: a job that killed the bot would kill it again at every start, and the user may no
 * longer want the piece. Work folders (`.work-*`) of dead jobs are removed.
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { DiscordAPIError, RESTJSONErrorCodes, Routes } from 'discord.js';
import {
  claimUnansweredJob,
  deleteInterruptedJobsBefore,
  listUnansweredJobs,
  markPendingJobInterrupted,
  type Db,
  type StoredPendingJob,
} from '../../db/index.js';
import type { BotContext } from '../context.js';
import { interruptedReply, interruptedText, retryRow } from './interrupted.js';
import { WORK_DIR_PREFIX } from './job-request.js';

/** A token closer to its end than this is not trusted with an edit (the request could outlive it). */
export const TOKEN_MARGIN_MS = 60_000;
/** How long a Try again offer stays valid. */
export const RETRY_OFFER_MS = 7 * 86_400_000;

export interface RecoveryReport {
  /** Original replies edited to say the job was interrupted. */
  readonly edited: number;
  /** Users told in the channel (token expired, or the reply could not be edited). */
  readonly posted: number;
  /** Jobs whose user could not be told at all (channel gone, no permission). */
  readonly untold: number;
}

/** Removes every `.work-*` folder in the pieces folder; call it before the bot takes jobs, when all are dead. */
export async function removeStrayWorkFolders(piecesDir: string): Promise<number> {
  const entries = await readdir(piecesDir, { withFileTypes: true }).catch(() => []);
  const stray = entries.filter((entry) => entry.isDirectory() && entry.name.startsWith(WORK_DIR_PREFIX));
  await Promise.all(stray.map((entry) => rm(path.join(piecesDir, entry.name), { recursive: true, force: true })));
  return stray.length;
}

function replyIsGone(error: unknown): boolean {
  return (
    error instanceof DiscordAPIError &&
    [RESTJSONErrorCodes.InvalidWebhookToken, RESTJSONErrorCodes.UnknownWebhook, RESTJSONErrorCodes.UnknownMessage].includes(error.code as number)
  );
}

/** Edits the original reply through the webhook token; false when the token or message is gone. */
async function editOriginalReply(context: BotContext, job: StoredPendingJob): Promise<boolean> {
  if (!job.interactionToken) return false;
  const reply = interruptedReply(job.kind, job.id);
  try {
    await context.client.rest.patch(Routes.webhookMessage(job.applicationId, job.interactionToken, '@original'), {
      body: { content: reply.content, embeds: [], attachments: [], components: reply.components.map((row) => row.toJSON()) },
      auth: false,
    });
    return true;
  } catch (error) {
    if (replyIsGone(error)) return false;
    throw error;
  }
}

async function postInChannel(context: BotContext, job: StoredPendingJob): Promise<boolean> {
  const channel = await context.client.channels.fetch(job.channelId).catch(() => null);
  if (!channel?.isSendable()) return false;
  await channel.send({
    content: `<@${job.userId}> ${interruptedText(job.kind, true)}`,
    components: [retryRow(job.id)],
    allowedMentions: { users: [job.userId] },
  });
  return true;
}

/**
 * The jobs a previous run left unanswered. Read before this run takes interactions, so none of its
 * own jobs is mistaken for one; old Try again offers are dropped on the way. A shard process takes
 * only its own servers' jobs (`serves`): the other shards' — on this machine or another — may be
 * running right now.
 */
export async function leftoverJobs(db: Db, now: Date = new Date(), serves: (guildId: string | null) => boolean = () => true): Promise<StoredPendingJob[]> {
  await deleteInterruptedJobsBefore(db, new Date(now.getTime() - RETRY_OFFER_MS));
  return (await listUnansweredJobs(db)).filter((job) => serves(job.guildId));
}

/** Tells the users of `jobs` (from leftoverJobs) that a restart cut them short, and cleans up after them. */
export async function recoverInterruptedJobs(context: BotContext, jobs: readonly StoredPendingJob[], now: Date = new Date()): Promise<RecoveryReport> {
  const { logger } = context;
  let edited = 0;
  let posted = 0;
  let untold = 0;
  for (const job of jobs) {
    // Another process recovered it already (its server moved between shards).
    if (!(await claimUnansweredJob(context.db.prisma, job.id, now))) continue;
    const log = logger.child({ pendingJob: job.id, user: job.userId, channel: job.channelId });
    // Only ever a work folder: the path comes from the database, the prefix is checked before removing.
    if (job.workDir && path.basename(job.workDir).startsWith(WORK_DIR_PREFIX)) await rm(job.workDir, { recursive: true, force: true });
    try {
      const tokenUsable = job.tokenExpiresAt.getTime() - now.getTime() > TOKEN_MARGIN_MS;
      if (tokenUsable && (await editOriginalReply(context, job))) edited++;
      else if (await postInChannel(context, job)) posted++;
      else {
        untold++;
        log.warn('could not tell the user their compose was interrupted (channel gone or not writable)');
      }
    } catch (error) {
      untold++;
      // Not the error object: a REST error carries the request URL, and that holds the webhook token.
      log.warn({ reason: error instanceof Error ? error.message : String(error) }, 'could not tell the user their compose was interrupted');
    }
    await markPendingJobInterrupted(context.db.prisma, job.id, now);
  }
  const report = { edited, posted, untold };
  if (jobs.length > 0) logger.info(report, 'interrupted composes recovered');
  return report;
}
