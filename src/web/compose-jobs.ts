/**
 * Composes for the playground: the same job as the bot's /compose (src/bot/compose/service.ts) —
 * through the same queue and compose runner (the warm compose workers here, or with REDIS_URL the
 * cluster's queue and a `rhythmix worker`), one job per request, limited per client address as the
 * bot limits per user — then stores the piece under the playground's guild row and keeps the
 * job's state for the page to poll.
 */
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { localComposeRunner, type ComposeChildOutput, type ComposeRunner } from '../app/compose-job.js';
import type { PieceRequest } from '../app/lineage.js';
import { SEED_FILE, storeComposedPiece } from '../app/store-piece.js';
import { randomSamplingSeed } from '../compose/options.js';
import type { ComposeProgress } from '../compose/pipeline.js';
import { WEB_PLAYGROUND_ID, type PrismaClient, type StoredPiece } from '../db/index.js';
import type { JobContext, JobUpdate, WorkQueue } from '../jobs/queue.js';
import type { WorkerPool } from '../jobs/worker-pool.js';
import { RhythmixError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { formFieldName } from './compose-form.js';

/** The bot's prefix for a job's folder (src/bot/compose/job-request.ts): its start-up removes those a dead job left. */
const WORK_DIR_PREFIX = '.work-';
/** How long a finished job's state stays for the page to read. */
const KEEP_FINISHED_MS = 15 * 60_000;

export interface WebComposeDependencies {
  readonly prisma: PrismaClient;
  readonly queue: WorkQueue;
  readonly composeWorkers?: WorkerPool | undefined;
  /** Where a job's compose runs; default `composeWorkers` here (the cluster's: a worker runs it under the queue's job id). */
  readonly runCompose?: ComposeRunner | undefined;
  readonly piecesDir: string;
  /** RHYTHMIX_MODEL; unset: the registry's current model or the bundled one. */
  readonly model?: string | undefined;
  readonly logger: Logger;
}

/** What the page is told about a job (GET /api/jobs/:id). */
export interface WebJobView {
  readonly id: string;
  readonly state: 'queued' | 'running' | 'done' | 'failed';
  /** queued: the place in the queue and its length. */
  readonly position?: number;
  readonly queued?: number;
  /** running: composing | rendering | storing, with its share done (0–1). */
  readonly stage?: string;
  readonly fraction?: number;
  readonly pieceId?: number;
  readonly error?: string;
}

interface WebJob {
  view: WebJobView;
  finishedAt?: number;
}

function stageOf(progress: ComposeProgress): { stage: string; fraction: number } {
  switch (progress.stage) {
    case 'seed':
      return { stage: 'composing', fraction: 0 };
    case 'compose':
      return { stage: 'composing', fraction: progress.fraction };
    case 'done':
      return { stage: 'storing', fraction: 1 };
    default:
      return {
        stage: 'rendering',
        fraction: progress.stage === 'synthesis' ? progress.fraction * 0.7 : progress.stage === 'encoding' ? 0.7 + progress.fraction * 0.3 : 0,
      };
  }
}

/** A failure as the page may show it: our own errors' words, never a stack or a server path. */
export function publicErrorText(error: unknown): string {
  if (error instanceof RhythmixError) return error.worded(formFieldName).replace(/(?:\/[\w.-]+)+\/([\w.-]+)/g, '$1');
  return 'the compose failed on the server — try again';
}

export class WebComposeJobs {
  private readonly jobs = new Map<string, WebJob>();

  constructor(private readonly deps: WebComposeDependencies) {}

  /** Queues a compose for `client` (its address); throws QueueFullError when the queue or the client's limit is full. */
  async submit(request: PieceRequest, client: string): Promise<WebJobView> {
    this.forgetOld();
    const id = randomUUID();
    const job: WebJob = { view: { id, state: 'queued' } };
    const handle = await this.deps.queue.submit<StoredPiece, ComposeProgress>({
      kind: 'compose',
      userId: `web:${client}`,
      run: (context) => this.run(request, context),
      onUpdate: (update) => this.update(job, update),
    });
    this.jobs.set(id, job);
    handle.result.then(
      (piece) => this.finish(job, { id, state: 'done', pieceId: piece.id }),
      (error: unknown) => {
        this.deps.logger.info({ err: error, job: id }, 'playground compose failed');
        this.finish(job, { id, state: 'failed', error: publicErrorText(error) });
      },
    );
    return job.view;
  }

  view(id: string): WebJobView | undefined {
    return this.jobs.get(id)?.view;
  }

  private update(job: WebJob, update: JobUpdate<ComposeProgress>): void {
    if (job.finishedAt !== undefined) return;
    const { id } = job.view;
    if (update.state === 'queued') job.view = { id, state: 'queued', position: update.position, queued: update.queued };
    else if (update.state === 'running') job.view = { id, state: 'running', stage: 'starting', fraction: 0 };
    else if (update.state === 'progress') job.view = { id, state: 'running', ...stageOf(update.progress) };
  }

  private finish(job: WebJob, view: WebJobView): void {
    job.view = view;
    job.finishedAt = Date.now();
  }

  private forgetOld(): void {
    const before = Date.now() - KEEP_FINISHED_MS;
    for (const [id, job] of this.jobs) if (job.finishedAt !== undefined && job.finishedAt < before) this.jobs.delete(id);
  }

  /** The job body: the bot's, from the seed file to the stored piece in pieces/<id>/. */
  private async run(request: PieceRequest, job: JobContext<ComposeProgress>): Promise<StoredPiece> {
    const { piecesDir } = this.deps;
    await mkdir(piecesDir, { recursive: true });
    const workDir = await mkdtemp(path.join(piecesDir, WORK_DIR_PREFIX));
    try {
      const midiPath = request.midi ? path.join(workDir, SEED_FILE) : undefined;
      if (request.midi && midiPath) await copyFile(request.midi.path, midiPath);
      const samplingSeed = typeof request.input.samplingSeed === 'number' ? request.input.samplingSeed : randomSamplingSeed();
      const options = {
        ...request.input,
        samplingSeed,
        ...(midiPath ? { midi: midiPath } : {}),
        outDir: workDir,
        ...(this.deps.model ? { model: this.deps.model } : {}),
        // Engraved like every bot piece (docs/score.md): the piece view shows score.png and offers the MusicXML.
        score: true,
      };
      const runCompose = this.deps.runCompose ?? localComposeRunner(this.deps.composeWorkers);
      const output = await runCompose(
        job.id,
        { options, ...(request.useCase ? { useCase: request.useCase } : {}) },
        {
          onProgress: (progress) => job.progress(progress),
          signal: job.signal,
          ...(job.timeoutMs !== undefined ? { timeoutMs: job.timeoutMs } : {}),
        },
      );
      return await this.store(request, output, workDir);
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }

  private store(request: PieceRequest, output: ComposeChildOutput, workDir: string): Promise<StoredPiece> {
    return storeComposedPiece(this.deps.prisma, this.deps.piecesDir, {
      request,
      output,
      dir: workDir,
      origin: { guild: { id: WEB_PLAYGROUND_ID, name: 'Web playground' }, author: null },
    });
  }
}
