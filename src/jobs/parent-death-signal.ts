/**
 * How a child process dies with its parent before it can watch for that itself. serve.ts notices a
 * gone parent only once the entry's modules have loaded, which on a busy machine, at the child's
 * lower priority, can take seconds. On Linux the kernel can send the signal instead, the moment the
 * parent dies (prctl PR_SET_PDEATHSIG). util-linux's setpriv (Essential on Debian) sets it and then
 * execs node in place: same pid, same environment and IPC channel.
 *
 * The signal is SIGTERM. Before serve() is listening it ends the child at once; afterwards serve()
 * takes it as "parent gone" and lets the handlers wind down. It may come more than once: as the
 * parent's threads exit one by one, the kernel hands the child to the next and signals again.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const SETPRIV = '/usr/bin/setpriv';

/** How to start node through setpriv, when this machine has one that can set the signal. */
export interface ParentDeathLauncher {
  readonly execPath: string;
  readonly execArgv: string[];
}

let probed: ParentDeathLauncher | null | undefined;

/**
 * The launcher for `fork()`, or undefined where it cannot work: not Linux, no setpriv (or one too
 * old for --pdeathsig), or a worker thread (the kernel ties the signal to the thread that forked,
 * so a child forked from a thread would be ended with that thread).
 */
export function parentDeathLauncher(): ParentDeathLauncher | undefined {
  if (process.platform !== 'linux' || !isMainThread) return undefined;
  if (probed === undefined) {
    const usable = existsSync(SETPRIV) && spawnSync(SETPRIV, ['--pdeathsig', 'TERM', '--', 'true'], { stdio: 'ignore' }).status === 0;
    probed = usable ? { execPath: SETPRIV, execArgv: ['--pdeathsig', 'TERM', '--', process.execPath] } : null;
  }
  return probed ?? undefined;
}
