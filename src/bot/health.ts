/**
 * A periodic "health" log line: memory, open handles and the event loop's worst delay since the
 * previous line. The event loop carries interactions and voice control, so a stall shows up
 * here before users notice; the soak test (`npm run soak`) reads these lines from the bot's log.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Logger } from '../util/logger.js';

export interface HealthSample {
  readonly rss_mb: number;
  readonly heap_used_mb: number;
  /** Where the rest of the memory is: V8's reserved heap, C++ objects tied to JS ones, Buffers. */
  readonly heap_total_mb: number;
  readonly external_mb: number;
  readonly array_buffers_mb: number;
  /** Worst event-loop delay since the previous sample, in ms (10 ms resolution). */
  readonly loop_max_ms: number;
  readonly loop_p99_ms: number;
  /**
   * Heavy jobs running and waiting at the moment of the sample: this process's in-process queue,
   * or with REDIS_URL the whole cluster's compose jobs in BullMQ (active, waiting).
   */
  readonly jobs_running?: number;
  readonly jobs_queued?: number;
}

export interface JobCounts {
  readonly running: number;
  readonly queued: number;
}

/** The job counts of one sample: read once per sample, never per event. */
export type JobCountsSource = () => JobCounts | Promise<JobCounts>;

/** A count read from Redis that takes longer (Redis down, reconnecting) is left out of its line. */
export const JOB_COUNTS_TIMEOUT_MS = 1000;

function countsWithin(source: JobCountsSource, timeoutMs: number): Promise<JobCounts | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
  const counts = Promise.resolve()
    .then(source)
    .catch(() => undefined);
  return Promise.race([counts, late]).finally(() => clearTimeout(timer));
}

const MB = 1024 * 1024;
const round1 = (value: number) => Math.round(value * 10) / 10;

/**
 * Logs a sample every `intervalMs` (0 = never); returns a function that stops it. `jobs` is asked
 * once per sample; one that fails or takes longer than JOB_COUNTS_TIMEOUT_MS leaves the counts out
 * of that line rather than hold it.
 */
export function startHealthLog(logger: Logger, intervalMs: number, jobs?: JobCountsSource): () => void {
  if (intervalMs <= 0) return () => undefined;
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let stopped = false;
  const timer = setInterval(() => {
    const memory = process.memoryUsage();
    const sample: HealthSample = {
      rss_mb: round1(memory.rss / MB),
      heap_used_mb: round1(memory.heapUsed / MB),
      heap_total_mb: round1(memory.heapTotal / MB),
      external_mb: round1(memory.external / MB),
      array_buffers_mb: round1(memory.arrayBuffers / MB),
      loop_max_ms: round1(delay.max / 1e6),
      loop_p99_ms: round1(delay.percentile(99) / 1e6),
    };
    delay.reset();
    if (!jobs) {
      logger.info(sample, 'health');
      return;
    }
    void countsWithin(jobs, JOB_COUNTS_TIMEOUT_MS).then((counts) => {
      if (stopped) return;
      logger.info(counts ? { ...sample, jobs_running: counts.running, jobs_queued: counts.queued } : sample, 'health');
    });
  }, intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
    delay.disable();
  };
}
