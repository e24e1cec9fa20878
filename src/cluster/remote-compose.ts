/**
 * A compose on a `rhythmix worker` (REDIS_URL): the bot adds a BullMQ job under its queue's job id,
 * with the seed MIDI as bytes, and waits for the answer that the worker stores in Redis
 * (results.ts) — files included, written into the bot's work folder — so no disk is shared.
 * Progress comes back through BullMQ's events; a cancel removes a waiting job or tells the worker
 * running it to stop. The answer is read once per job id: a job retried after its worker died
 * still gives one answer.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Job } from 'bullmq';
import type { ComposeRunner } from '../app/compose-job.js';
import type { ComposeProgress } from '../compose/pipeline.js';
import { JobCancelledError, WorkerCrashedError } from '../jobs/errors.js';
import type { CallOptions } from '../jobs/launch.js';
import { RhythmixError } from '../util/errors.js';
import type { ComposeChildInput, ComposeChildOutput } from '../workers/compose-worker.js';
import type { ClusterClient } from './client.js';
import { CHANNELS, composeJobId, KEYS, resultId } from './redis.js';
import { readResult } from './results.js';

/** What a compose job carries on Redis: plain data, the seed's bytes instead of its path. */
export interface ComposeJobData {
  readonly input: ComposeChildInput;
  /** The seed MIDI file, base64 (a few kB; MIDI_MAX_BYTES bounds it). */
  readonly midi?: string;
  readonly timeoutMs?: number;
  /** False for a take that another take of the same request follows: the job's place is not freed after it. */
  readonly endsAdmission?: boolean;
}

/** Which take of a request a remote compose is (`/compose takes:2`): its own result, one shared place. */
export interface RemoteTake {
  /** The take's folder name (take-a, take-b), which suffixes the result id. */
  readonly name: string;
  readonly last: boolean;
}

/** The worker's answer: the compose output and the folder it wrote to (rewritten to the bot's). */
export interface ComposeJobValue {
  readonly output: ComposeChildOutput;
  readonly outDir: string;
}

/** How often a waiting compose also asks Redis directly, in case an event was lost (a Redis restart). */
const POLL_MS = 2000;

interface Waiter {
  /** Look for the answer now (it was stored, or BullMQ failed the job). */
  readonly check: () => void;
  readonly progress: (value: ComposeProgress) => void;
}

export class RemoteComposer {
  /** The jobs this process waits for, by admission id: one set of listeners for all of them. */
  private readonly waiters = new Map<string, Waiter>();

  constructor(private readonly cluster: ClusterClient) {
    cluster.on(CHANNELS.done, (id) => this.waiters.get(id)?.check());
    cluster.composeEvents.on('progress', ({ jobId, data }) => this.waiters.get(resultId(jobId))?.progress(data as ComposeProgress));
    cluster.composeEvents.on('failed', ({ jobId }) => this.waiters.get(resultId(jobId))?.check());
  }

  /** This composer as a queue's runner of one-take jobs (the web playground's: src/web/compose-jobs.ts). */
  runner(): ComposeRunner {
    return (jobId, input, options) => this.run(jobId, input, options);
  }

  /** Runs `input` on a worker; its files land in `input.options.outDir` here. */
  async run(jobId: number, input: ComposeChildInput, options: CallOptions<ComposeProgress> = {}, take?: RemoteTake): Promise<ComposeChildOutput> {
    const { outDir, midi, ...rest } = input.options;
    if (typeof outDir !== 'string') throw new RhythmixError('a remote compose needs its outDir');
    const id = take ? `${jobId}-${take.name}` : String(jobId);
    const data: ComposeJobData = {
      input: { ...input, options: rest },
      ...(typeof midi === 'string' ? { midi: (await readFile(midi)).toString('base64') } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(take && !take.last ? { endsAdmission: false } : {}),
    };
    if (options.signal?.aborted) throw new JobCancelledError();
    await this.cluster.composeQueue.add('compose', data, {
      jobId: composeJobId(id),
      attempts: 1,
      removeOnComplete: { age: 3600, count: 1000 },
      removeOnFail: { age: 24 * 3600, count: 1000 },
    });
    const value = await this.answer(id, options);
    return withFilesIn(value, outDir);
  }

  private answer(id: string, options: CallOptions<ComposeProgress>): Promise<{ value: ComposeJobValue; files: ReadonlyMap<string, Buffer>; outDir?: string }> {
    return new Promise((resolve, reject) => {
      let over = false;
      const cleanups: Array<() => void> = [];
      const end = (settle: () => void): void => {
        if (over) return;
        over = true;
        for (const cleanup of cleanups) cleanup();
        settle();
      };
      const check = async (): Promise<void> => {
        if (over) return;
        const answer = await readResult<ComposeJobValue>(this.cluster.redis, id, { take: true });
        if (answer) {
          end(() => (answer.ok ? resolve({ value: answer.value, files: answer.files }) : reject(answer.error)));
          return;
        }
        // No answer: BullMQ itself may have failed it (its worker died once too often).
        const job = await Job.fromId(this.cluster.composeQueue, composeJobId(id));
        const state = job ? await job.getState() : 'unknown';
        if (state === 'failed' && !(await this.cluster.redis.exists(KEYS.result(id)))) {
          end(() => reject(new WorkerCrashedError(`the compose could not be finished: ${job?.failedReason ?? 'its worker was lost'}`)));
        }
      };
      const tryCheck = (): void => void check().catch(() => undefined);
      this.waiters.set(id, { check: tryCheck, progress: (value) => !over && options.onProgress?.(value) });
      cleanups.push(() => this.waiters.delete(id));
      const timer = setInterval(tryCheck, POLL_MS);
      cleanups.push(() => clearInterval(timer));
      const onAbort = (): void => {
        // Waiting: removed; running: its worker is told to stop (it answers nobody: the bot already has).
        void this.cluster.composeQueue.remove(composeJobId(id)).catch(() => undefined);
        void this.cluster.redis.publish(CHANNELS.cancel, id).catch(() => undefined);
        end(() => reject(new JobCancelledError()));
      };
      if (options.signal) {
        options.signal.addEventListener('abort', onAbort, { once: true });
        cleanups.push(() => options.signal?.removeEventListener('abort', onAbort));
      }
      tryCheck();
    });
  }
}

/** Writes the answer's files into `outDir` and points the summary's paths there. */
async function withFilesIn(answer: { value: ComposeJobValue; files: ReadonlyMap<string, Buffer> }, outDir: string): Promise<ComposeChildOutput> {
  for (const [name, bytes] of answer.files) {
    if (name !== path.basename(name)) continue;
    await writeFile(path.join(outDir, name), bytes);
  }
  const from = answer.value.outDir;
  const relocate = (value: unknown): unknown => {
    if (typeof value === 'string' && value.startsWith(from + path.sep)) return path.join(outDir, value.slice(from.length + 1));
    if (Array.isArray(value)) return value.map(relocate);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, relocate(v)]));
    return value;
  };
  return { ...answer.value.output, summary: relocate(answer.value.output.summary) as ComposeChildOutput['summary'] };
}
