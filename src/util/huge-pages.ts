/**
 * An environment whose glibc malloc backs large allocations with transparent huge pages
 * (`GLIBC_TUNABLES=glibc.malloc.hugetlb=1`): touching tens of MB of fresh memory — a soundfont's
 * samples, a piece's PCM — then costs a few page faults instead of thousands, which is most of
 * the difference on VMs, where faults are expensive. glibc reads it at process start, so it is set
 * for the processes we spawn; glibc < 2.35 and kernels without THP ignore it. A tunable the caller
 * already set for hugetlb wins.
 */
export function withHugePageMalloc(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const tunables = base.GLIBC_TUNABLES;
  const hugetlb = 'glibc.malloc.hugetlb=1';
  if (tunables === undefined || tunables === '') return { ...base, GLIBC_TUNABLES: hugetlb };
  return tunables.includes('glibc.malloc.hugetlb') ? { ...base } : { ...base, GLIBC_TUNABLES: `${tunables}:${hugetlb}` };
}
