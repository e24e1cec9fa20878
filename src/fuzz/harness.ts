/**
 * Runs fuzz cases in a worker thread under a watchdog: a case that takes longer than the time
 * limit is a hang — the worker is ended and a fresh one takes the next case — and a worker that
 * dies (out of memory, a native crash) is a crash; neither stops the run.
 */
import { Worker } from 'node:worker_threads';
import { builtEntryPath } from '../util/built-entry.js';
import type { CaseResult, FuzzTarget } from './run-case.js';
import type { FuzzRequest, FuzzWorkerData } from './worker.js';

export interface FuzzCounts {
  cases: number;
  typed_errors: number;
  accepted: number;
  crashes: number;
  hangs: number;
  /** Longest time one case took to parse, in ms, under the default limits (hangs aside). */
  max_ms: number;
}

export interface FuzzFailure {
  readonly target: FuzzTarget;
  readonly index: number;
  readonly outcome: 'crash' | 'hang';
  readonly detail: string;
}

export interface FuzzReport extends FuzzCounts {
  readonly seed: number;
  readonly by_target: Record<FuzzTarget, FuzzCounts>;
  /** The first failures: target and index reproduce each (`--seed` with the same value). */
  readonly failures: FuzzFailure[];
  /** Longest parse among the cases run with the track limit raised to 65,535 (not covered by max_ms). */
  readonly max_ms_raised_limits: number;
  /** The case behind max_ms. */
  readonly slowest?: { readonly target: FuzzTarget; readonly index: number; readonly ms: number; readonly detail: string };
}

export interface FuzzOptions {
  /** Cases per target (MIDI files and seed strings). */
  readonly cases: number;
  readonly seed: number;
  /** A case running longer than this is a hang. */
  readonly timeoutMs?: number;
  readonly targets?: readonly FuzzTarget[];
  /** The worker's file; default the built src/fuzz/worker.ts. */
  readonly workerFile?: string;
  /** Heap limit of the worker: a case that needs more is a crash, not a machine out of memory. */
  readonly maxHeapMb?: number;
}

const MAX_FAILURES_LISTED = 20;

const emptyCounts = (): FuzzCounts => ({ cases: 0, typed_errors: 0, accepted: 0, crashes: 0, hangs: 0, max_ms: 0 });

type Reply = { kind: 'result'; result: CaseResult } | { kind: 'hang' } | { kind: 'died'; reason: string };

/** One worker and the one question it may be answering. */
class WatchedWorker {
  private readonly worker: Worker;
  private settle: ((reply: Reply) => void) | undefined;
  readonly ready: Promise<void>;

  constructor(file: string, data: FuzzWorkerData, maxHeapMb: number) {
    this.worker = new Worker(file, { workerData: data, resourceLimits: { maxOldGenerationSizeMb: maxHeapMb } });
    let markReady!: () => void;
    let failStart!: (error: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => ((markReady = resolve), (failStart = reject)));
    this.worker.on('message', (message: CaseResult | 'ready') => {
      if (message === 'ready') markReady();
      else this.answer({ kind: 'result', result: message });
    });
    this.worker.on('error', (error) => {
      failStart(error);
      this.answer({ kind: 'died', reason: `${error.name}: ${error.message}` });
    });
    this.worker.on('exit', (code) => {
      failStart(new Error(`fuzz worker exited with code ${code} before it was ready`));
      this.answer({ kind: 'died', reason: `worker exited with code ${code}` });
    });
  }

  private answer(reply: Reply): void {
    const settle = this.settle;
    this.settle = undefined;
    settle?.(reply);
  }

  ask(request: FuzzRequest, timeoutMs: number): Promise<Reply> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.answer({ kind: 'hang' }), timeoutMs);
      this.settle = (reply) => {
        clearTimeout(timer);
        resolve(reply);
      };
      this.worker.postMessage(request);
    });
  }

  async stop(): Promise<void> {
    this.settle = undefined;
    await this.worker.terminate();
  }
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const file = options.workerFile ?? builtEntryPath('fuzz/worker');
  const timeoutMs = options.timeoutMs ?? 5000;
  const targets = options.targets ?? ['midi', 'seed'];
  const start = async (): Promise<WatchedWorker> => {
    const worker = new WatchedWorker(file, { seed: options.seed }, options.maxHeapMb ?? 1024);
    await worker.ready;
    return worker;
  };
  const byTarget: Record<FuzzTarget, FuzzCounts> = { midi: emptyCounts(), seed: emptyCounts() };
  const failures: FuzzFailure[] = [];
  let slowest: CaseResult | undefined;
  let slowestRaised = 0;
  let worker = await start();
  try {
    for (const target of targets) {
      const counts = byTarget[target];
      for (let index = 0; index < options.cases; index += 1) {
        const reply = await worker.ask({ target, index }, timeoutMs);
        counts.cases += 1;
        if (reply.kind === 'result') {
          const { result } = reply;
          if (result.raisedLimits) slowestRaised = Math.max(slowestRaised, result.ms);
          else {
            counts.max_ms = Math.max(counts.max_ms, result.ms);
            if (result.ms > (slowest?.ms ?? -1)) slowest = result;
          }
          if (result.outcome === 'accepted') counts.accepted += 1;
          else if (result.outcome === 'typed_error') counts.typed_errors += 1;
          else {
            counts.crashes += 1;
            failures.push({ target, index, outcome: 'crash', detail: result.detail });
          }
          continue;
        }
        // A hang or a dead worker: count it, replace the worker, go on.
        if (reply.kind === 'hang') counts.hangs += 1;
        else counts.crashes += 1;
        failures.push({
          target,
          index,
          outcome: reply.kind === 'hang' ? 'hang' : 'crash',
          detail: reply.kind === 'hang' ? `over ${timeoutMs} ms` : reply.reason,
        });
        await worker.stop();
        worker = await start();
      }
    }
  } finally {
    await worker.stop();
  }
  const total = emptyCounts();
  for (const counts of Object.values(byTarget)) {
    for (const key of Object.keys(total) as Array<keyof FuzzCounts>)
      total[key] = key === 'max_ms' ? Math.max(total[key], counts[key]) : total[key] + counts[key];
  }
  const round = (counts: FuzzCounts): FuzzCounts => ({ ...counts, max_ms: Math.round(counts.max_ms * 10) / 10 });
  return {
    seed: options.seed,
    ...round(total),
    by_target: { midi: round(byTarget.midi), seed: round(byTarget.seed) },
    failures: failures.slice(0, MAX_FAILURES_LISTED),
    max_ms_raised_limits: Math.round(slowestRaised * 10) / 10,
    ...(slowest === undefined
      ? {}
      : { slowest: { target: slowest.target, index: slowest.index, ms: Math.round(slowest.ms * 10) / 10, detail: slowest.detail } }),
  };
}
