/**
 * The entry side of launch.ts: an entry module (src/workers/NAME.ts) calls `serve(handler)` for a
 * one-shot job or `serveCalls({ call, event })` for a long-lived one, once, at top level. The same
 * code works in a worker thread and in a child process.
 *
 * A child process must not outlive its parent: it watches its IPC channel ('disconnect') and its
 * parent pid, and when either says the parent is gone it aborts every handler's signal and ends
 * itself and the tools it started within about a second — also when its main thread is stuck in
 * synchronous work, through a watchdog thread (src/workers/parent-watchdog.ts). Sends after that are
 * dropped quietly, never an uncaught IPC error.
 */
import { parentPort, Worker, workerData, type Transferable } from 'node:worker_threads';
import { workerEntryPath } from '../util/built-entry.js';
import { isEnvelope, serializeError, type Envelope } from './envelope.js';
import { JobCancelledError } from './errors.js';
import { killTree } from './process-tree.js';

export interface CallContext<P> {
  /** Reports progress to the caller's `onProgress`. */
  readonly progress: (value: P) => void;
  /** Aborted when the caller cancels, times out, or (child process) its parent is gone: stop tools, clean up. */
  readonly signal: AbortSignal;
  /** Thread entries: buffers of the result that are moved instead of copied. */
  readonly transfer: (list: readonly Transferable[]) => void;
}

export type CallHandler<I, O, P> = (input: I, context: CallContext<P>) => Promise<O> | O;

export interface EntryLink<E> {
  /** A one-way message to the caller's `onEvent` listeners. */
  readonly emit: (event: E) => void;
}

/** How long handlers get to wind down after the parent is gone before the process group is killed. */
const PARENT_GONE_GRACE_MS = 500;
/** The watchdog's deadline, for a main thread too busy to notice. */
const WATCHDOG_DEADLINE_MS = 900;
const PARENT_POLL_MS = 100;
/** How launch() tells a child its parent's pid: a parent that dies while the child still loads has re-parented it before serve() runs. */
export const PARENT_PID_FLAG = '--rhythmix-parent=';

/** The start-up data of a thread entry (`launch(…, { data })`). */
export function entryData<T>(): T {
  return workerData as T;
}

/** Serves one call, answers it and ends (a child process exits, a thread closes its port). */
export function serve<I, O, P = unknown>(handler: CallHandler<I, O, P>): void {
  connect<I, O, P, never>({ call: handler }, true);
}

/** Serves calls until the caller stops the entry; `event` receives the caller's one-way messages. */
export function serveCalls<I, O, P = unknown, E = unknown, F = unknown>(handlers: { call: CallHandler<I, O, P>; event?: (event: F) => void }): EntryLink<E> {
  return connect<I, O, P, E, F>(handlers, false);
}

interface Channel {
  readonly thread: boolean;
  /** Resolves once the message left (or could not leave: the other side is gone). */
  send(message: Envelope, transfer?: readonly Transferable[]): Promise<void>;
  onMessage(listener: (message: unknown) => void): void;
}

function parentChannel(): Channel {
  const port = parentPort;
  if (port) {
    return {
      thread: true,
      send: (message, transfer) => {
        port.postMessage(message, transfer);
        return Promise.resolve();
      },
      onMessage: (listener) => port.on('message', listener),
    };
  }
  const send = process.send?.bind(process);
  if (!send) throw new Error('serve() must run in an entry started by launch() (a worker thread or a child process)');
  return {
    thread: false,
    // With a callback a failed send (the parent went away) is reported there, not thrown or emitted.
    send: (message) => new Promise<void>((resolve) => (process.connected ? send(message, undefined, {}, () => resolve()) : resolve())),
    onMessage: (listener) => process.on('message', listener),
  };
}

function connect<I, O, P, E, F = unknown>(handlers: { call: CallHandler<I, O, P>; event?: (event: F) => void }, once: boolean): EntryLink<E> {
  const channel = parentChannel();
  const active = new Map<number, AbortController>();
  const parent = channel.thread ? undefined : watchParent(() => abortAll(new JobCancelledError('the parent process ended')));
  let started = false;

  function abortAll(reason: Error): void {
    for (const controller of active.values()) controller.abort(reason);
  }

  function run(id: number, input: I): void {
    const controller = new AbortController();
    active.set(id, controller);
    let transfer: readonly Transferable[] | undefined;
    const context: CallContext<P> = {
      signal: controller.signal,
      progress: (value) => {
        // A synchronous look at the parent: a handler reports progress right before a step that
        // must not happen for nobody (publishing a model), and checks its signal there.
        parent?.check();
        void channel.send({ type: 'progress', id, value });
      },
      transfer: (list) => (transfer = list),
    };
    Promise.resolve()
      .then(() => handlers.call(input, context))
      .then(
        (value) => channel.send({ type: 'result', id, value }, transfer),
        (error: unknown) => channel.send({ type: 'error', id, error: serializeError(error) }),
      )
      .finally(() => {
        active.delete(id);
        if (!once) return;
        if (channel.thread) parentPort?.close();
        // Pools (resvg, tfjs) may keep handles open; the answer is sent, so end here.
        else process.exit(0);
      });
  }

  channel.onMessage((message) => {
    if (!isEnvelope(message)) return;
    if (message.type === 'cancel') active.get(message.id)?.abort(new JobCancelledError());
    else if (message.type === 'event') handlers.event?.(message.value as F);
    else if (message.type === 'call' && !(once && started)) {
      started = true;
      run(message.id, message.input as I);
    }
  });
  return { emit: (event) => void channel.send({ type: 'event', value: event }) };
}

/**
 * Watches a child process's parent: the IPC channel closing, a SIGTERM, or a new parent pid (the
 * parent died and the child was re-parented). `check()` looks synchronously.
 */
function watchParent(onGone: () => void): { check(): void } {
  const flag = process.argv.find((arg) => arg.startsWith(PARENT_PID_FLAG));
  const ppid = flag === undefined ? process.ppid : Number(flag.slice(PARENT_PID_FLAG.length));
  let gone = false;
  const goneNow = (): void => {
    if (gone) return;
    gone = true;
    onGone();
    // Handlers that wind down in time let the process end by itself; this ends it regardless.
    setTimeout(() => killTree(process.pid), PARENT_GONE_GRACE_MS);
  };
  const check = (): void => {
    if (process.ppid !== ppid || !process.connected) goneNow();
  };
  process.once('disconnect', goneNow);
  // `on`, not `once`: a dying parent's threads each send the parent-death signal (parent-death-signal.ts).
  process.on('SIGTERM', goneNow);
  setInterval(check, PARENT_POLL_MS).unref();
  startWatchdog(ppid);
  check();
  return { check };
}

/** Starts src/workers/parent-watchdog.ts for a main thread too busy to notice the parent's end. */
function startWatchdog(ppid: number): void {
  try {
    const watchdog = new Worker(workerEntryPath('parent-watchdog'), {
      workerData: { ppid, deadlineMs: WATCHDOG_DEADLINE_MS, pollMs: PARENT_POLL_MS },
      name: 'parent watchdog',
    });
    watchdog.unref();
    watchdog.on('error', () => undefined);
  } catch {
    // Without it a busy main thread still ends at its next turn of the event loop.
  }
}
