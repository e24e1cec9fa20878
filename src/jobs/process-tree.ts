/**
 * Ending a child process together with what it started (FluidSynth, ffmpeg), without putting it
 * in a session of its own: a new session would also get its own scheduler autogroup on Linux,
 * and the child's niceness would then no longer rank it below the bot (docs/bot.md).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** The pids below `pid` in the process tree (Linux: from /proc; elsewhere none are known). */
export function descendantsOf(pid: number): number[] {
  if (process.platform !== 'linux') return [];
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // ended meanwhile
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** SIGKILLs everything below `pid`, then `pid` itself (which may be this process). */
export function killTree(pid: number): void {
  for (const descendant of descendantsOf(pid)) killQuietly(descendant);
  killQuietly(pid);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
