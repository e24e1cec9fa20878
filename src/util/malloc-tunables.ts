/**
 * glibc malloc tunables (`GLIBC_TUNABLES`) for the processes Rhythmix runs. glibc reads them at
 * process start, so they are set for the processes we spawn (and by `npm start` and
 * `scripts/rhythmix.sh` for the bot itself); glibc < 2.35 ignores hugetlb. A choice the caller
 * already made for a tunable wins.
 * - `glibc.malloc.hugetlb=1`: large allocations backed by transparent huge pages — touching tens
 *   of MB of fresh memory (a soundfont's samples, a piece's PCM) then costs a few page faults
 *   instead of thousands, which is most of the difference on VMs, where faults are expensive.
 * - `glibc.malloc.arena_max=2`: a long-running process with threads (the bot's voice thread,
 *   libuv's pool, a warm worker's kernels) otherwise gets up to 8 arenas per core, each keeping
 *   freed memory of its own; the soak saw RSS creep while every JavaScript heap stayed flat.
 */
export const HUGE_PAGES = 'glibc.malloc.hugetlb=1';
export const FEW_ARENAS = 'glibc.malloc.arena_max=2';

/** `base` with each of `tunables` (name=value) added unless `base` already sets that name. */
export function withMallocTunables(base: NodeJS.ProcessEnv, tunables: readonly string[]): NodeJS.ProcessEnv {
  let current = base.GLIBC_TUNABLES ?? '';
  for (const tunable of tunables) {
    const name = tunable.slice(0, tunable.indexOf('='));
    if (!current.split(':').some((entry) => entry.startsWith(`${name}=`))) current = current === '' ? tunable : `${current}:${tunable}`;
  }
  return current === '' ? { ...base } : { ...base, GLIBC_TUNABLES: current };
}

/** For one-shot tools (FluidSynth): huge pages only. */
export function withHugePageMalloc(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return withMallocTunables(base, [HUGE_PAGES]);
}

/** For the processes that live as long as the bot (warm workers, shards, the bot under `npm start`): huge pages and few arenas. */
export function withLongRunningMalloc(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return withMallocTunables(base, [HUGE_PAGES, FEW_ARENAS]);
}
