/**
 * Runs one heavy computation in a child process at a lower CPU priority, so the parent's event
 * loop (Discord heartbeats, voice packets every 20 ms) keeps its core even on a 2-core machine:
 * the kernel schedules a niced process behind the bot. Whatever the child does (throws, exits, hangs, runs out of memory) ends as a rejected promise
 * here, never as a crash of this process.
 *
 * Parent: `runInChild(modulePath, input, { onProgress, timeoutMs, signal, nice, name })`.
 * Child module: `serveChild(async (input, { progress, signal }) => output)` at top level.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { childProcessEnvironment } from '../config/environment.js';
import { JobCancelledError, WorkerCrashedError, WorkerTimeoutError } from './errors.js';
import { deserializeError, serializeError, type SerializedError } from './worker-protocol.js';

export interface RunInChildOptions<P> {
  onProgress?: (progress: P) => void;
  /** Kill the child after this long (ms). Default: no limit. */
  timeoutMs?: number;
  /** Aborting kills the child and rejects with JobCancelledError. */
  signal?: AbortSignal;
  /** Niceness added to the child (0..19); default 10. Children the child starts inherit it. */
  nice?: number;
  /** Shown in errors; default the file name. */
  name?: string;
}

/** Parent → child. */
export type ChildRequest<I> = { type: 'input'; value: I } | { type: 'cancel' };

/** Child → parent. */
export type ChildMessage<O, P> = { type: 'progress'; value: P } | { type: 'result'; value: O } | { type: 'error'; error: SerializedError };

export interface ChildContext<P> {
  progress: (value: P) => void;
  /** Aborted when the parent cancels (SIGTERM or a cancel message): stop tools, clean up. */
  readonly signal: AbortSignal;
}

/** How long a cancelled or timed-out child may take to clean up before SIGKILL. */
const KILL_GRACE_MS = 3000;
export const DEFAULT_CHILD_NICE = 10;

export function runInChild<I, O, P = unknown>(modulePath: string | URL, input: I, options: RunInChildOptions<P> = {}): Promise<O> {
  const file = modulePath instanceof URL ? fileURLToPath(modulePath) : modulePath;
  const name = options.name ?? file.split(/[\\/]/).pop() ?? 'child';
  return new Promise<O>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new JobCancelledError());
      return;
    }
    let child: ChildProcess;
    try {
      // 'advanced' serialization keeps typed arrays, Maps and Dates intact across the pipe.
      child = fork(file, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [], env: childProcessEnvironment() });
    } catch (error) {
      reject(new WorkerCrashedError(`${name} could not be started: ${(error as Error).message}`, { cause: error }));
      return;
    }
    lowerPriority(child, options.nice ?? DEFAULT_CHILD_NICE);

    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    /** 'answered': the child exits by itself; 'stop': SIGTERM (it cleans up); 'kill': at once. */
    const stop = (how: 'answered' | 'stop' | 'kill') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (how === 'kill') {
        child.kill('SIGKILL');
        return;
      }
      // SIGTERM lets serveChild abort its work (kill fluidsynth/ffmpeg) before exiting.
      if (how === 'stop') child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    const finish = (outcome: () => void, how: 'answered' | 'stop' | 'kill' = 'stop') => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      stop(how);
      outcome();
    };
    const onAbort = () => finish(() => reject(new JobCancelledError()));
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => finish(() => reject(new WorkerTimeoutError(name, options.timeoutMs as number))), options.timeoutMs);
    options.signal?.addEventListener('abort', onAbort, { once: true });

    child.on('message', (message: ChildMessage<O, P>) => {
      if (message.type === 'progress') {
        if (!settled) safely(() => options.onProgress?.(message.value));
      } else if (message.type === 'result') {
        finish(() => resolve(message.value), 'answered');
      } else if (message.type === 'error') {
        finish(() => reject(deserializeError(message.error)), 'answered');
      }
    });
    child.on('error', (error) => finish(() => reject(new WorkerCrashedError(`${name} crashed: ${error.message}`, { cause: error })), 'kill'));
    child.on('exit', (code, signal) => {
      if (killTimer) clearTimeout(killTimer);
      finish(() => reject(new WorkerCrashedError(`${name} exited (${signal ?? `code ${code}`}) before finishing`)), 'kill');
    });
    child.send({ type: 'input', value: input } satisfies ChildRequest<I>, (error) => {
      if (error) finish(() => reject(new WorkerCrashedError(`${name} did not take its input: ${error.message}`, { cause: error })), 'kill');
    });
  });
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

/**
 * Serves one request in a child started by runInChild: waits for the input, runs `handler`,
 * sends the result or the error and exits. Call once, at the child module's top level.
 */
export function serveChild<I, O, P = unknown>(handler: (input: I, context: ChildContext<P>) => Promise<O> | O): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('serveChild must run in a child process started by runInChild');
  const cancel = new AbortController();
  const post = (message: ChildMessage<O, P>) =>
    new Promise<void>((resolve) => {
      if (!process.connected) {
        resolve();
        return;
      }
      send(message, undefined, {}, () => resolve());
    });
  const onTerminate = () => {
    cancel.abort(new JobCancelledError());
    // Give the handler a moment to stop its tools; the parent escalates to SIGKILL anyway.
    setTimeout(() => process.exit(143), 1000).unref();
  };
  process.once('SIGTERM', onTerminate);
  // The parent went away: nobody waits for the answer.
  process.once('disconnect', onTerminate);

  let started = false;
  process.on('message', (message: ChildRequest<I>) => {
    if (message.type === 'cancel') {
      cancel.abort(new JobCancelledError());
      return;
    }
    if (message.type !== 'input' || started) return;
    started = true;
    Promise.resolve()
      .then(() => handler(message.value, { progress: (value) => void post({ type: 'progress', value }), signal: cancel.signal }))
      .then(
        (value) => post({ type: 'result', value }),
        (error: unknown) => post({ type: 'error', error: serializeError(error) }),
      )
      .finally(() => {
        process.off('SIGTERM', onTerminate);
        process.off('disconnect', onTerminate);
        process.disconnect?.();
        // Pools (resvg, tfjs) may keep handles open; the answer is sent, so end here.
        process.exit(0);
      });
  });
}

/** A progress listener's mistake must not fail the job. */
function safely(callback: () => void): void {
  try {
    callback();
  } catch {
    // ignored on purpose
  }
}
