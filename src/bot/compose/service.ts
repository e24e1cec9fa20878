/**
 * A compose from Discord, start to finish: queue the job (refused at once when the queue is
 * full), defer, show progress, compose and render in a low-priority child process, store the
 * piece, post ONE message (embed, piano roll, Ogg, MIDI, buttons; the score with `score`), add the rating reactions and
 * optionally play it. /compose and the Variation, Continue and Re-roll buttons all end here.
 * /compose `takes:2` is one job composing two takes one after the other (one place in the queue,
 * each take its own time limit); each take is a piece with its own message, reactions and
 * buttons, and the two are stored as a take pair (src/db/takes.ts).
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DiscordAPIError, MessageFlags, RESTJSONErrorCodes, type Message } from 'discord.js';
import { randomSamplingSeed } from '../../compose/options.js';
import { takeFolder, takeSamplingSeed } from '../../compose/takes.js';
import { updatePiece, type StoredPiece } from '../../db/pieces.js';
import { SEED_FILE, storeComposedPiece } from '../../app/store-piece.js';
import { createTakePair } from '../../db/takes.js';
import { getActiveModelVersion } from '../../db/model-versions.js';
import { JobCancelledError, QueueFullError } from '../../jobs/errors.js';
import type { JobContext, JobHandle } from '../../jobs/queue.js';
import type { Logger } from '../../util/logger.js';
import { InvalidInputError } from '../../util/errors.js';
import type { ComposeChildInput, ComposeChildOutput } from '../../workers/compose-worker.js';
import type { BotContext } from '../context.js';
import { isExpectedError, userMessage } from '../errors.js';
import { missingPermissionMessage } from '../permissions.js';
import type { QueueItem } from '../voice/guild-player.js';
import { playPiece } from '../voice/playback.js';
import { attachmentNames, pieceButtons, pieceEmbed, takeOf } from './embed.js';
import type { ComposeProgress } from '../../compose/pipeline.js';
import { ComposeProgressView, ProgressThrottle, type TakeProgress } from './progress.js';
import { checkMidiBytes } from './request.js';
import { runCompose } from './workers.js';
import { scoreAttachedToResult, scoreAttachments } from './score.js';
import { interruptedReply, RESTARTING_TEXT } from './interrupted.js';
import { PendingJobRecord } from './pending.js';
import { composeJobSize, WORK_DIR_PREFIX, type ComposeInteraction, type ComposeJobRequest, type MidiSource } from './job-request.js';

export { WORK_DIR_PREFIX, type ComposeInteraction, type ComposeJobRequest, type MidiSource } from './job-request.js';
import { quoteInput } from '../../util/text.js';

/** Progress edits at most this often: webhook edits share one rate-limit bucket per token. */
export const PROGRESS_INTERVAL_MS = 1500;

interface JobOutcome {
  readonly workDir: string;
  /** One per take, in order (one for a plain compose); `dir` holds that take's files. */
  readonly takes: readonly { readonly dir: string; readonly output: ComposeChildOutput }[];
  readonly hasMidiSeed: boolean;
}

/** Takes a request asks for (`takes` of /compose; 1 when not given). */
export function takesOf(request: ComposeJobRequest): number {
  return typeof request.input.takes === 'number' ? request.input.takes : 1;
}

/**
 * The model that serves the guild now: its own active taste variant (registry in the database),
 * else RHYTHMIX_MODEL, else undefined — then the child's composer takes the registry's current
 * model (models/current.json) or the bundled default. Asked at every job start, and a warm worker
 * reloads when the model differs from its last job's, so a model switch applies to the next compose without a restart.
 */
export async function modelForJob(context: BotContext, guildId: string | null): Promise<string | undefined> {
  const own = guildId
    ? await getActiveModelVersion(context.db.prisma, guildId).catch((error: unknown) => {
        context.logger.warn({ err: error }, "could not read the guild's model version; using the global one");
        return null;
      })
    : null;
  return own?.name ?? context.config.model ?? undefined;
}

async function downloadMidi(source: Extract<MidiSource, { url: string }>, target: string, signal: AbortSignal): Promise<void> {
  const response = await fetch(source.url, { signal });
  if (!response.ok) throw new InvalidInputError(`could not download \`midi\` ${quoteInput(source.name)} (HTTP ${response.status}) — attach it again`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  checkMidiBytes(source.name, bytes);
  await writeFile(target, bytes);
}

/** The job body: seed file, model, then the child process that composes and renders (each take in turn). */
async function composeJob(
  context: BotContext,
  request: ComposeJobRequest,
  guildId: string | null,
  job: JobContext<TakeProgress>,
  recordWorkDir: (workDir: string) => Promise<void>,
): Promise<JobOutcome> {
  await mkdir(context.piecesDir, { recursive: true });
  const workDir = await mkdtemp(path.join(context.piecesDir, WORK_DIR_PREFIX));
  try {
    await recordWorkDir(workDir);
    let midiPath: string | undefined;
    if (request.midi) {
      midiPath = path.join(workDir, SEED_FILE);
      if ('url' in request.midi) await downloadMidi(request.midi, midiPath, job.signal);
      else await copyFile(request.midi.path, midiPath);
    }
    const model = await modelForJob(context, guildId);
    // Chosen before the child starts, so the job's options name the exact take; the summary echoes it for the row.
    const samplingSeed = typeof request.input.samplingSeed === 'number' ? request.input.samplingSeed : randomSamplingSeed();
    const { takes: _takes, ...rest } = request.input;
    const count = takesOf(request);
    const takes: { dir: string; output: ComposeChildOutput }[] = [];
    for (let index = 0; index < count; index++) {
      const dir = count > 1 ? path.join(workDir, takeFolder(index)) : workDir;
      // Every bot piece is engraved (the Score button); `score` in the request only attaches it to the result.
      // Without it the picture is engraved after the piece is posted (score-engraver.ts): the answer does not wait.
      const engraveLater = context.scoreEngraver !== undefined && !context.remoteCompose && request.input.score !== true;
      const options = {
        ...rest,
        samplingSeed: takeSamplingSeed(samplingSeed, index),
        ...(midiPath ? { midi: midiPath } : {}),
        outDir: dir,
        ...(model ? { model } : {}),
        score: true,
      };
      const input = {
        options,
        ...(request.useCase ? { useCase: request.useCase } : {}),
        ...(engraveLater ? { scoreImage: 'later' as const } : {}),
      } satisfies ComposeChildInput;
      const callOptions = {
        onProgress: (progress: ComposeProgress) => job.progress(count > 1 ? { ...progress, take: index } : progress),
        signal: job.signal,
        ...(job.timeoutMs !== undefined ? { timeoutMs: job.timeoutMs } : {}),
      };
      // With REDIS_URL a `rhythmix worker` runs it (BullMQ, keyed by the queue's job id and the take); else a local warm worker.
      const output = context.remoteCompose
        ? await context.remoteCompose.run(job.id, input, callOptions, count > 1 ? { name: takeFolder(index), last: index === count - 1 } : undefined)
        : await runCompose(context.composeWorkers, input, callOptions);
      takes.push({ dir, output });
    }
    return { workDir, takes, hasMidiSeed: midiPath !== undefined };
  } catch (error) {
    await rm(workDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Stores each take's piece and moves its files to pieces/<id>/ (a take's folder gets a copy of
 * the MIDI seed); two takes are linked as a take pair.
 */
async function storePieces(context: BotContext, interaction: ComposeInteraction, request: ComposeJobRequest, outcome: JobOutcome): Promise<StoredPiece[]> {
  const pieces: StoredPiece[] = [];
  for (const [index, take] of outcome.takes.entries()) {
    if (outcome.takes.length > 1 && outcome.hasMidiSeed) await copyFile(path.join(outcome.workDir, SEED_FILE), path.join(take.dir, SEED_FILE));
    pieces.push(await storePiece(context, interaction, request, take, outcome.takes.length > 1 ? index : undefined));
  }
  if (pieces.length > 1) await createTakePair(context.db.prisma, { pieceAId: pieces[0]!.id, pieceBId: pieces[1]!.id });
  await rm(outcome.workDir, { recursive: true, force: true });
  // Stored, so the files are in pieces/<id>/: the scores left for later are engraved now, beside the posting.
  for (const [index, piece] of pieces.entries()) {
    const preview = outcome.takes[index]?.output.scorePreview;
    if (preview !== undefined) context.scoreEngraver?.start(piece, preview);
  }
  return pieces;
}

/** Stores one piece (take `index` of several, if given) and moves its files from `take.dir` to pieces/<id>/. */
function storePiece(
  context: BotContext,
  interaction: ComposeInteraction,
  request: ComposeJobRequest,
  take: JobOutcome['takes'][number],
  index: number | undefined,
): Promise<StoredPiece> {
  const guild = interaction.guild;
  return storeComposedPiece(context.db.prisma, context.piecesDir, {
    request,
    output: take.output,
    dir: take.dir,
    take: index,
    origin: {
      guild: guild ? { id: guild.id, name: guild.name } : interaction.guildId ? { id: interaction.guildId } : null,
      author: { id: interaction.user.id, name: interaction.user.username },
      channelId: interaction.channelId,
    },
  });
}

/** The one result message: embed, piano roll, audio, MIDI and the buttons. */
/** A stored piece as a voice queue entry. */
export function queueItemFor(piece: StoredPiece, audioPath: string, requestedBy: string): QueueItem {
  const seconds = piece.parameters.seconds;
  return { pieceId: String(piece.id), title: `Piece #${piece.id}`, audioPath, requestedBy, seconds: typeof seconds === 'number' ? seconds : 0 };
}

export function pieceMessage(context: BotContext, piece: StoredPiece, otherTake?: StoredPiece) {
  const names = attachmentNames(piece.id);
  const take = takeOf(piece);
  const other = otherTake && takeOf(otherTake);
  return {
    content: '',
    embeds: [
      pieceEmbed(piece, {
        imageName: names.image,
        ratingEmojis: context.config.ratingEmojis,
        ...(other ? { otherTake: { take: other, pieceId: otherTake.id } } : {}),
      }),
    ],
    files: [
      { attachment: piece.imagePath as string, name: names.image },
      { attachment: piece.audioPath as string, name: names.audio },
      { attachment: piece.midiPath as string, name: names.midi },
      ...(scoreAttachedToResult(piece) ? scoreAttachments(piece) : []),
    ],
    components: [pieceButtons(piece.id, take)],
  };
}

/** The interaction's token has expired (15 min) or its message was deleted: its reply cannot be edited. */
function replyIsGone(error: unknown): boolean {
  return (
    error instanceof DiscordAPIError &&
    [RESTJSONErrorCodes.InvalidWebhookToken, RESTJSONErrorCodes.UnknownWebhook, RESTJSONErrorCodes.UnknownMessage].includes(error.code as number)
  );
}

/**
 * Replaces the "thinking" message with the piece (take B: a follow-up message under take A's). A
 * job that waited long in the queue may outlive the interaction's 15-minute token: then the piece
 * goes to the channel as a new message mentioning who asked, so the work is not lost.
 */
async function postPiece(
  context: BotContext,
  interaction: ComposeInteraction,
  piece: StoredPiece,
  take: { readonly other?: StoredPiece; readonly followUp?: boolean } = {},
): Promise<Message> {
  const message = pieceMessage(context, piece, take.other);
  try {
    return await (take.followUp ? interaction.followUp(message) : interaction.editReply(message));
  } catch (error) {
    if (!replyIsGone(error)) throw error;
    const channel = await context.client.channels.fetch(interaction.channelId);
    if (!channel?.isSendable()) throw error;
    context.logger.info({ piece: piece.id }, 'interaction expired; posting the piece in the channel');
    return channel.send({
      ...message,
      content: `<@${interaction.user.id}> your piece is ready:`,
      allowedMentions: { users: [interaction.user.id] },
    });
  }
}

async function addRatingReactions(context: BotContext, interaction: ComposeInteraction, message: Message): Promise<void> {
  for (const { emoji } of context.config.ratingEmojis) {
    try {
      await message.react(emoji);
    } catch (error) {
      if (error instanceof DiscordAPIError && (error.code === RESTJSONErrorCodes.MissingPermissions || error.code === RESTJSONErrorCodes.MissingAccess)) {
        await interaction
          .followUp({
            content: missingPermissionMessage(['Add Reactions', 'Read Message History'], 'to add the rating reactions here'),
            flags: MessageFlags.Ephemeral,
          })
          .catch(() => undefined);
        return;
      }
      context.logger.warn({ err: error, emoji }, 'could not add a rating reaction');
    }
  }
}

/**
 * Runs a compose for an interaction that has not been answered yet. Every expected outcome
 * (result, refusal, failure) ends as an answer to the user; only an unexpected error from the
 * queue itself propagates, and the router answers that one.
 */
export async function composeForInteraction(context: BotContext, interaction: ComposeInteraction, request: ComposeJobRequest): Promise<void> {
  const flow = composeFlow(context, interaction, request);
  return context.lifecycle ? context.lifecycle.track(flow) : flow;
}

async function composeFlow(context: BotContext, interaction: ComposeInteraction, request: ComposeJobRequest): Promise<void> {
  if (context.lifecycle?.stopping || !context.queue.accepting) {
    await interaction.reply({ content: RESTARTING_TEXT, flags: MessageFlags.Ephemeral });
    return;
  }
  const log = context.logger.child({ interaction: interaction.id, user: interaction.user.id, guild: interaction.guildId, kind: request.kind });
  let markDeferred!: (ok: boolean) => void;
  const deferred = new Promise<boolean>((resolve) => (markDeferred = resolve));
  // Edits wait for the deferral: a job reports its place before Discord has the "thinking" message.
  const throttle = new ProgressThrottle(
    async (text) => {
      if (await deferred) await interaction.editReply({ content: text });
    },
    { minIntervalMs: PROGRESS_INTERVAL_MS },
  );

  let handle;
  let pending: PendingJobRecord | undefined;
  try {
    const view = new ComposeProgressView(takesOf(request));
    handle = await context.queue.submit<JobOutcome, TakeProgress>({
      kind: request.useCase ?? 'compose',
      size: composeJobSize(request),
      userId: interaction.user.id,
      ...(interaction.guildId ? { guildId: interaction.guildId } : {}),
      // The job may start inside submit(); by the time it has a work folder the record exists.
      run: (job) => composeJob(context, request, interaction.guildId, job, async (workDir) => pending?.setWorkDir(workDir)),
      onUpdate: (update) => {
        const text = view.text(update);
        if (text) throttle.update(text);
      },
    });
    // Written as the job is queued, deleted once the user has an answer.
    pending = new PendingJobRecord(context, interaction, request);
  } catch (error) {
    markDeferred(false);
    // The queue closed between the check above and here: the bot is stopping.
    const refusal = error instanceof QueueFullError ? userMessage(error) : error instanceof JobCancelledError ? RESTARTING_TEXT : undefined;
    if (refusal === undefined) throw error;
    await throttle.close();
    await interaction.reply({ content: refusal, flags: MessageFlags.Ephemeral });
    return;
  }
  let interrupted = false;
  try {
    await answerCompose(context, interaction, request, { handle, throttle, markDeferred, log, onInterrupted: () => (interrupted = true), pending });
  } finally {
    if (interrupted) await pending.interrupted();
    else await pending.finished();
  }
}

interface ComposeRun {
  readonly handle: JobHandle<JobOutcome>;
  readonly throttle: ProgressThrottle;
  readonly markDeferred: (ok: boolean) => void;
  readonly log: Logger;
  readonly pending: PendingJobRecord;
  /** The bot is stopping and cut the job short: its row stays as the Try again offer. */
  readonly onInterrupted: () => void;
}

/** From the deferral to the posted piece (or the failure told). */
async function answerCompose(context: BotContext, interaction: ComposeInteraction, request: ComposeJobRequest, run: ComposeRun): Promise<void> {
  const { handle, throttle, markDeferred, log } = run;

  try {
    await interaction.deferReply();
    markDeferred(true);
  } catch (error) {
    markDeferred(false);
    // Too late or the interaction is gone: nobody can see the result, so stop the work.
    handle.cancel();
    await throttle.close();
    log.warn({ err: error }, 'could not defer the reply; compose cancelled');
    return;
  }

  let pieces: StoredPiece[];
  // Where the time after the deferral goes (logged with each posted piece; docs/scaling.md).
  const deferredAt = performance.now();
  let storedAt = deferredAt;
  let jobMs = 0;
  try {
    const outcome = await handle.result;
    jobMs = performance.now() - deferredAt;
    try {
      pieces = await storePieces(context, interaction, request, outcome);
      storedAt = performance.now();
    } catch (error) {
      await rm(outcome.workDir, { recursive: true, force: true });
      throw error;
    }
  } catch (error) {
    await throttle.close();
    if (error instanceof JobCancelledError && context.lifecycle?.stopping) {
      log.info('compose cut short by the stop; its user is offered a retry');
      run.onInterrupted();
      await interaction
        .editReply(interruptedReply(request.kind, await run.pending.id()))
        .catch((e: unknown) => log.warn({ err: e }, 'could not tell the user the compose was interrupted'));
      return;
    }
    if (isExpectedError(error)) log.info({ reason: (error as Error).message }, 'compose refused');
    else log.error({ err: error }, 'compose failed');
    await interaction
      .editReply({ content: userMessage(error), embeds: [], components: [], files: [] })
      .catch((e: unknown) => log.warn({ err: e }, 'could not report the failure'));
    return;
  }

  await throttle.close();
  // Each take is its own message: reactions rate it and its buttons act on it alone.
  const messages: Message[] = [];
  for (const [index, piece] of pieces.entries()) {
    try {
      messages.push(await postPiece(context, interaction, piece, { ...(pieces.length > 1 ? { other: pieces[1 - index] } : {}), followUp: index > 0 }));
    } catch (error) {
      log.error({ err: error, piece: piece.id }, 'could not post the piece');
      const told = { content: userMessage(error) };
      await (index > 0 ? interaction.followUp({ ...told, flags: MessageFlags.Ephemeral }) : interaction.editReply(told)).catch(() => undefined);
      return;
    }
    await updatePiece(context.db.prisma, piece.id, { messageId: messages[index]!.id, channelId: messages[index]!.channelId });
    log.info(
      {
        piece: piece.id,
        model: piece.modelVersion,
        seconds: piece.parameters.seconds,
        // From the deferral: queue wait and job; storing (database, file moves); posting (upload, message id stored).
        job_ms: Math.round(jobMs),
        store_ms: Math.round(storedAt - deferredAt - jobMs),
        post_ms: Math.round(performance.now() - storedAt),
      },
      'piece posted',
    );
  }
  for (const message of messages) await addRatingReactions(context, interaction, message);

  // Two takes play one after the other, A first.
  for (const piece of pieces) {
    if (!request.play || !piece.audioPath || context.lifecycle?.stopping) break;
    try {
      if ((await playPiece(context, interaction, queueItemFor(piece, piece.audioPath, interaction.user.id))).status !== 'queued') break;
    } catch (error) {
      log.warn({ err: error, piece: piece.id }, 'could not play the piece');
      await interaction.followUp({ content: userMessage(error), flags: MessageFlags.Ephemeral }).catch(() => undefined);
      break;
    }
  }
}
