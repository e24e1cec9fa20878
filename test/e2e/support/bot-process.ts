import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** `bin/rhythmix.js`, run as its own process the way `npm start` runs it. */
export const RHYTHMIX_BIN = fileURLToPath(new URL('../../../bin/rhythmix.js', import.meta.url));

/** The environment without Discord settings (tests add exactly what they mean to). */
export function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('DISCORD_') && key !== 'DATABASE_URL' && key !== 'NODE_EXTRA_CA_CERTS') env[key] = value;
  }
  return env;
}

export interface CliRun {
  readonly child: ChildProcess;
  output(): string;
  readonly exit: Promise<number | null>;
}

/** How long an exited process's pipes may take to deliver their last output. */
const OUTPUT_DRAIN_MS = 2000;

/**
 * Starts `rhythmix ARGS` in `cwd`, collecting stdout and stderr together. `ownProcessGroup` puts it
 * (and its children) in a group of its own, as a shell does, so `process.kill(-pid, 'SIGINT')` is Ctrl-C.
 */
export function startCli(args: string[], env: Record<string, string>, cwd: string, options: { ownProcessGroup?: boolean } = {}): CliRun {
  const child = spawn(process.execPath, [RHYTHMIX_BIN, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: options.ownProcessGroup === true });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // On its exit, what it (or a shard sharing its pipes) wrote last may still be in the pipe: wait for
  // the pipes to close too — at most a moment, in case an orphan keeps them open.
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      const done = () => resolve(code);
      const timer = setTimeout(done, OUTPUT_DRAIN_MS);
      child.once('close', () => {
        clearTimeout(timer);
        done();
      });
    }),
  );
  return { child, output: () => output, exit };
}

/** SIGKILL, as a crash or the OOM killer would, and wait for the exit. */
export async function killHard(run: CliRun | undefined): Promise<void> {
  if (!run || run.child.exitCode !== null || run.child.signalCode !== null) return;
  run.child.kill('SIGKILL');
  await run.exit;
}
