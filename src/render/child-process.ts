/**
 * Spawning the render tools: no shell, stdin closed, stderr kept (last few KB) for error
 * messages, and an AbortSignal that SIGKILLs the process — a timeout must never leave a
 * fluidsynth or ffmpeg behind.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { MissingDependencyError } from '../util/errors.js';

const STDERR_TAIL_BYTES = 4096;

export interface ToolExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The end of what the tool wrote on stderr, trimmed. */
  readonly stderr: string;
}

export interface RunningTool {
  readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  /** Settles when the process has exited and its pipes are closed; never rejects. */
  readonly exit: Promise<ToolExit & { readonly error?: Error }>;
}

export function startTool(
  command: string,
  args: readonly string[],
  signal: AbortSignal,
  options: { stdin?: boolean; env?: NodeJS.ProcessEnv } = {},
): RunningTool {
  // With stdin 'ignore' the stream is null at run time; callers that ask for none never touch it.
  const child = spawn(command, args, {
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    signal,
    killSignal: 'SIGKILL',
    ...(options.env ? { env: options.env } : {}),
  }) as ChildProcessByStdio<Writable, Readable, Readable>;
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr = (stderr + text).slice(-STDERR_TAIL_BYTES);
  });
  const exit = new Promise<ToolExit & { error?: Error }>((resolve) => {
    let spawnError: Error | undefined;
    child.on('error', (error) => {
      spawnError = error;
      // 'close' does not follow a failed spawn.
      if (child.pid === undefined) resolve({ code: null, signal: null, stderr, error });
    });
    child.on('close', (code, exitSignal) => resolve({ code, signal: exitSignal, stderr: stderr.trim(), ...(spawnError ? { error: spawnError } : {}) }));
  });
  return { child, exit };
}

/** Turns a spawn failure into the error a user can act on. */
export function spawnFailure(command: string, error: Error, debianPackage: string): Error {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EACCES') {
    return new MissingDependencyError(
      `cannot run ${command} (${(error as NodeJS.ErrnoException).code}) — install it with \`apt-get install ${debianPackage}\``,
    );
  }
  return error;
}

/** Last line(s) of a tool's stderr for an error message. */
export function stderrSummary(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return lines.slice(-3).join(' | ') || 'no message';
}
