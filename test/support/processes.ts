/** Finding a test's processes by a marker in their environment (Linux /proc). */
import { readdirSync, readFileSync } from 'node:fs';

/** The live processes whose environment holds `marker` (a zombie, which a container init may never reap, has ended). */
export function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${entry}/stat`, 'utf8'))) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(marker)) found.push(Number(entry));
    } catch {
      // ended meanwhile, or not ours
    }
  }
  return found;
}
