/**
 * The one launcher for off-thread work: starts an entry (`dist/workers/NAME.js`, found with
 * workerEntryPath) as a worker thread or as a child process and talks to it in envelopes
 * (envelope.ts). The entry side is serve.ts.
 *
 * - `via: 'thread'` starts fast and can share memory (SharedArrayBuffers in `data`): training
 *   replicas, the render worker, the voice thread.
 * - `via: 'process'` is killable as a whole, grandchildren (fluidsynth, ffmpeg) included, keeps
 *   its memory apart and runs at a lower CPU priority,
 *   so the parent's event loop (Discord heartbeats, voice packets) keeps its core: compose jobs,
 *   retraining.
 *
 * Whatever the entry does (throws, exits, hangs, runs out of memory) ends as a rejected call
 * here, never as a crash of this process. `runJob` is the one-shot form: launch, one call, stop.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker, type Transferable } from 'node:worker_threads';
import { childProcessEnvironment } from '../config/environment.js';
import { RhythmixError } from '../util/errors.js';
import { deserializeError, isEnvelope, type Envelope, type RebuildOptions } from './envelope.js';
import { JobCancelledError, WorkerCrashedError, WorkerTimeoutError } from './errors.js';
import { parentDeathLauncher } from './parent-death-signal.js';
import { killTree } from './process-tree.js';
import { PARENT_PID_FLAG } from './serve.js';

export type Isolation = 'thread' | 'process';

export interface LaunchOptions extends RebuildOptions {
  readonly via: Isolation;
  /** Shown in errors; default the file name. */
  readonly name?: string;
  /** Thread only: the entry's start-up data (`entryData()`); SharedArrayBuffers are shared, not copied. */
  readonly data?: unknown;
  /** Process only: niceness added to the child (0..19); default 10. What the child starts inherits it. */
  readonly nice?: number;
  /** false: the entry alone does not keep this process alive (the voice thread). Default true. */
  readonly keepsAlive?: boolean;
  /** How long a cancelled call, or a stopped entry, may take to end before it is killed (ms). */
  readonly graceMs?: number;
}

export interface CallOptions<P> {
  readonly onProgress?: (progress: P) => void;
  /**
   * Aborting sends `cancel` (the entry's handler sees its own signal abort); the call rejects once the
   * entry answered or was killed, with the signal's reason when that is a RhythmixError, else JobCancelledError.
   */
  readonly signal?: AbortSignal;
  /** Cancels the call after this long and rejects with WorkerTimeoutError. */
  readonly timeoutMs?: number;
  /** Thread only: buffers moved to the entry instead of copied. */
  readonly transfer?: readonly Transferable[];
}

export const DEFAULT_CHILD_NICE = 10;
/** How long a cancelled entry may take to stop its tools and answer before it is killed. */
const DEFAULT_GRACE_MS = 3000;

interface Transport {
  readonly pid: number | undefined;
  send(message: Envelope, transfer?: readonly Transferable[]): void;
  /** Asks the entry to end by itself, then kills it after the grace period. */
  close(graceMs: number): void;
  /** Ends the entry (and, for a process, everything it started) at once. */
  kill(): void;
}

interface Hooks {
  readonly message: (message: unknown) => void;
  readonly ended: (error: Error) => void;
  /** The thread or process is gone for good (after `ended`, or after a stop). */
  readonly exited: () => void;
}

interface PendingCall {
  progress(value: unknown): void;
  settle(outcome: { value: unknown } | { error: Error }): void;
}

/** A running entry: calls with ids over the one envelope, events both ways. */
export class LaunchedEntry {
  readonly name: string;
  private readonly transport: Transport;
  private readonly graceMs: number;
  private readonly rebuild: RebuildOptions;
  private readonly calls = new Map<number, PendingCall>();
  private readonly eventListeners = new Set<(event: unknown) => void>();
  private readonly endListeners = new Set<(error: Error) => void>();
  private nextId = 1;
  private endError: Error | undefined;
  private stopping = false;
  /** Resolves once the thread or process has ended, whether it was stopped or died. */
  readonly exited: Promise<void>;

  constructor(entry: string | URL, options: LaunchOptions) {
    const file = entry instanceof URL ? fileURLToPath(entry) : entry;
    this.name = options.name ?? file.split(/[\\/]/).pop() ?? 'entry';
    this.graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    this.rebuild = { ...(options.classes ? { classes: options.classes } : {}), ...(options.unknown ? { unknown: options.unknown } : {}) };
    let markExited!: () => void;
    this.exited = new Promise<void>((resolve) => (markExited = resolve));
    const hooks: Hooks = { message: (message) => this.onMessage(message), ended: (error) => this.onEnded(error), exited: () => markExited() };
    this.transport = options.via === 'thread' ? startThread(file, this.name, options, hooks) : startProcess(file, this.name, options, hooks);
  }

  /** The child's pid (process entries only). */
  get pid(): number | undefined {
    return this.transport.pid;
  }

  get ended(): boolean {
    return this.endError !== undefined;
  }

  /** Sends one call; resolves with the entry's result, rejects with its (rebuilt) error. */
  call<O, P = unknown>(input: unknown, options: CallOptions<P> = {}): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      if (this.endError) return reject(this.endError);
      if (options.signal?.aborted) return reject(cancelReason(options.signal));
      const id = this.nextId++;
      // Once cancelled or timed out, that is the answer, whatever the entry still says.
      let stopReason: Error | undefined;
      let graceTimer: NodeJS.Timeout | undefined;
      const stopCall = (reason: Error): void => {
        if (stopReason) return;
        stopReason = reason;
        this.transport.send({ type: 'cancel', id });
        // An entry that ignores its signal is killed; its end settles this call.
        graceTimer = setTimeout(() => this.transport.kill(), this.graceMs);
      };
      const onAbort = (): void => stopCall(cancelReason(options.signal));
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(() => stopCall(new WorkerTimeoutError(this.name, options.timeoutMs as number)), options.timeoutMs);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.calls.set(id, {
        progress: (value) => {
          if (!stopReason) safely(() => options.onProgress?.(value as P));
        },
        settle: (outcome) => {
          this.calls.delete(id);
          clearTimeout(timer);
          clearTimeout(graceTimer);
          options.signal?.removeEventListener('abort', onAbort);
          if (stopReason) reject(stopReason);
          else if ('error' in outcome) reject(outcome.error);
          else resolve(outcome.value as O);
        },
      });
      this.transport.send({ type: 'call', id, input }, options.transfer);
    });
  }

  /** A one-way message to the entry's event handler. */
  notify(event: unknown): void {
    if (!this.endError) this.transport.send({ type: 'event', value: event });
  }

  onEvent(listener: (event: unknown) => void): void {
    this.eventListeners.add(listener);
  }

  /** The entry ended without being stopped (crashed, exited, was killed). */
  onEnd(listener: (error: Error) => void): void {
    this.endListeners.add(listener);
  }

  /**
   * Ends the entry: a thread is terminated; a process is disconnected (serve() takes that as
   * "nobody is listening" and exits) and killed after the grace period. Open calls reject with `reason`.
   */
  stop(reason: Error = new WorkerCrashedError(`${this.name} was stopped`)): void {
    if (this.endError) return;
    this.stopping = true;
    this.endError = reason;
    this.failCalls(reason);
    this.transport.close(this.graceMs);
  }

  private onMessage(message: unknown): void {
    if (!isEnvelope(message)) return;
    switch (message.type) {
      case 'progress':
        this.calls.get(message.id)?.progress(message.value);
        return;
      case 'result':
        this.calls.get(message.id)?.settle({ value: message.value });
        return;
      case 'error':
        this.calls.get(message.id)?.settle({ error: deserializeError(message.error, this.rebuild) });
        return;
      case 'event':
        for (const listener of this.eventListeners) listener(message.value);
        return;
      default:
        return;
    }
  }

  private onEnded(error: Error): void {
    if (this.stopping) return;
    this.stopping = true;
    this.endError ??= error;
    this.failCalls(error);
    for (const listener of this.endListeners) safely(() => listener(error));
  }

  private failCalls(error: Error): void {
    for (const call of [...this.calls.values()]) call.settle({ error });
  }
}

/** Starts `entry` (a built file from workerEntryPath/builtEntryPath) in a thread or a child process. */
export function launch(entry: string | URL, options: LaunchOptions): LaunchedEntry {
  return new LaunchedEntry(entry, options);
}

/** One-shot: launches the entry, makes one call (the entry's `serve` handler) and stops it. */
export async function runJob<O, P = unknown>(entry: string | URL, input: unknown, options: LaunchOptions & CallOptions<P>): Promise<O> {
  if (options.signal?.aborted) throw cancelReason(options.signal);
  const launched = launch(entry, options);
  try {
    return await launched.call<O, P>(input, options);
  } finally {
    launched.stop();
  }
}

function startThread(file: string, name: string, options: LaunchOptions, hooks: Hooks): Transport {
  let worker: Worker;
  try {
    worker = new Worker(file, { workerData: options.data, name });
  } catch (error) {
    throw new WorkerCrashedError(`${name} could not be started: ${(error as Error).message}`, { cause: error });
  }
  if (options.keepsAlive === false) worker.unref();
  worker.on('message', hooks.message);
  worker.on('error', (error) => hooks.ended(new WorkerCrashedError(`${name} crashed: ${error.message}`, { cause: error })));
  worker.on('exit', (code) => {
    hooks.ended(new WorkerCrashedError(`${name} exited (code ${code}) before finishing`));
    hooks.exited();
  });
  return {
    pid: undefined,
    send: (message, transfer) => worker.postMessage(message, transfer),
    close: () => void worker.terminate(),
    kill: () => void worker.terminate(),
  };
}

function startProcess(file: string, name: string, options: LaunchOptions, hooks: Hooks): Transport {
  if (options.data !== undefined) throw new TypeError('launch: `data` is for thread entries; send it in the call');
  let child: ChildProcess;
  try {
    // 'advanced' serialization keeps typed arrays, Maps and Dates intact across the pipe. Not
    // detached: a session of its own would get its own scheduler autogroup and outrank the bot.
    child = fork(file, [`${PARENT_PID_FLAG}${process.pid}`], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: [],
      ...parentDeathLauncher(),
      env: childProcessEnvironment(),
    });
  } catch (error) {
    throw new WorkerCrashedError(`${name} could not be started: ${(error as Error).message}`, { cause: error });
  }
  lowerPriority(child, options.nice ?? DEFAULT_CHILD_NICE);
  if (options.keepsAlive === false) {
    child.unref();
    child.channel?.unref();
  }
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const kill = (): void => {
    if (running() && child.pid !== undefined) killTree(child.pid);
  };
  const crashed = (error: Error): void => {
    kill();
    hooks.ended(new WorkerCrashedError(`${name} crashed: ${error.message}`, { cause: error }));
    // A child that never started emits no 'exit'.
    if (child.pid === undefined) hooks.exited();
  };
  child.on('message', hooks.message);
  child.on('error', crashed);
  child.on('exit', (code, signal) => {
    hooks.ended(new WorkerCrashedError(`${name} exited (${signal ?? `code ${code}`}) before finishing`));
    hooks.exited();
  });
  return {
    pid: child.pid,
    send: (message) => {
      if (!child.connected) return;
      child.send(message, (error) => {
        if (error) crashed(error);
      });
    },
    close: (graceMs) => {
      if (!running()) return;
      if (child.connected) child.disconnect();
      setTimeout(kill, graceMs).unref();
    },
    kill,
  };
}

/** Raises the child's niceness; failing to (no permission, exotic OS) only costs priority. */
function lowerPriority(child: ChildProcess, nice: number): void {
  if (child.pid === undefined || nice <= 0) return;
  try {
    setPriority(child.pid, Math.min(19, Math.round(nice)));
  } catch {
    // ignored on purpose: the job still runs, only at normal priority
  }
}

/** A cancelled call rejects with the signal's reason when that is a user-facing error, else JobCancelledError. */
function cancelReason(signal: AbortSignal | undefined): Error {
  return signal?.reason instanceof RhythmixError ? signal.reason : new JobCancelledError();
}

/** A listener's mistake must not fail the job. */
function safely(callback: () => void): void {
  try {
    callback();
  } catch {
    // ignored on purpose
  }
}
