/** A test's processes: whether one still runs, and finding them by a marker in their environment (Linux /proc). */
import { readdirSync, readFileSync } from 'node:fs';

/** A zombie has ended: it only waits to be reaped, which a container init may never do. */
const isZombie = (pid: number | string): boolean => /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

/** Whether `pid` still runs (a zombie has ended; elsewhere than Linux, whether it exists). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    return !isZombie(pid);
  } catch {
    return false;
  }
}

/** The live processes whose environment holds `marker`. */
export function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (isZombie(entry)) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(marker)) found.push(Number(entry));
    } catch {
      // ended meanwhile, or not ours
    }
  }
  return found;
}
