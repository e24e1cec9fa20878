/**
 * Keeps the queue's "try again in N s" honest: each refusal's hint is watched until the request
 * would have been accepted (or the watch is dropped), and the hint is then reported beside what
 * really happened, for the log line the soak reads (`retry hint`).
 */
import type { QueueLimit } from './errors.js';

export interface RetryHintOutcome {
  /** The limit the refusal named first. */
  readonly limit: QueueLimit;
  /** What the user was told, before rounding up to whole seconds (ms). */
  readonly hintMs: number;
  /** How long after the refusal the same request would have been accepted (ms). */
  readonly actualMs: number;
}

interface Watched {
  readonly limit: QueueLimit;
  readonly hintMs: number;
  readonly atMs: number;
  readonly accepted: () => boolean;
}

/** Refusals watched at once at most: beyond it the oldest is forgotten, so a flood costs no memory. */
const MAX_WATCHED = 100;

export class RetryHintWatch {
  private readonly watched: Watched[] = [];

  constructor(
    private readonly now: () => number,
    private readonly onOutcome: ((outcome: RetryHintOutcome) => void) | undefined,
  ) {}

  /** A refusal told `hintMs`; `accepted` says whether the same request would be accepted now. */
  watch(limit: QueueLimit, hintMs: number, accepted: () => boolean): void {
    if (!this.onOutcome) return;
    this.watched.push({ limit, hintMs, atMs: this.now(), accepted });
    if (this.watched.length > MAX_WATCHED) this.watched.shift();
  }

  /** Call when a job ends or leaves the queue: reports each refusal that would now be accepted. */
  check(): void {
    if (this.watched.length === 0) return;
    const now = this.now();
    const settled = this.watched.filter((entry) => entry.accepted());
    if (settled.length === 0) return;
    this.watched.splice(0, this.watched.length, ...this.watched.filter((entry) => !settled.includes(entry)));
    for (const entry of settled) {
      try {
        this.onOutcome?.({ limit: entry.limit, hintMs: entry.hintMs, actualMs: now - entry.atMs });
      } catch {
        // a listener's mistake must not break the queue
      }
    }
  }

  clear(): void {
    this.watched.length = 0;
  }
}
