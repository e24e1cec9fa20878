/**
 * The "thinking" message of a compose while it runs: queued n/m → composing x % → rendering →
 * done. Edits go through a throttle so a chatty job never runs into Discord's rate limits
 * (webhook edits share one bucket per interaction token).
 */
import type { ComposeProgress } from '../../compose/pipeline.js';
import { takeLetter } from '../../compose/takes.js';
import type { JobUpdate } from '../../jobs/queue.js';

/** A compose job's progress; a job composing several takes says which take (0 = A) it is at. */
export type TakeProgress = ComposeProgress & { readonly take?: number };

export type ComposeStatus =
  | { readonly stage: 'queued'; readonly position: number; readonly queued: number }
  | { readonly stage: 'starting' }
  | { readonly stage: 'composing'; readonly fraction: number }
  | { readonly stage: 'rendering'; readonly fraction: number }
  | { readonly stage: 'posting' };

/** A job update → the status shown, or undefined when it changes nothing visible. */
export function statusFromUpdate(update: JobUpdate<ComposeProgress>): ComposeStatus | undefined {
  switch (update.state) {
    case 'queued':
      return { stage: 'queued', position: update.position, queued: update.queued };
    case 'running':
      return { stage: 'starting' };
    case 'progress':
      return statusFromProgress(update.progress);
    default:
      return undefined;
  }
}

export function statusFromProgress(progress: ComposeProgress): ComposeStatus {
  switch (progress.stage) {
    case 'seed':
      return { stage: 'starting' };
    case 'compose':
      return { stage: 'composing', fraction: progress.fraction };
    case 'done':
      return { stage: 'posting' };
    default:
      // midi, synthesis, encoding, image: the audio and the picture are being made.
      return {
        stage: 'rendering',
        fraction: progress.stage === 'synthesis' ? progress.fraction * 0.7 : progress.stage === 'encoding' ? 0.7 + progress.fraction * 0.3 : 0,
      };
  }
}

function percent(fraction: number): number {
  return Math.max(0, Math.min(100, Math.round(fraction * 100)));
}

/** The text of the progress message. */
export function progressText(status: ComposeStatus): string {
  switch (status.stage) {
    case 'queued':
      return `⏳ Queued ${status.position}/${status.queued} — waiting for a free composer…`;
    case 'starting':
      return '🎼 Composing 0 %…';
    case 'composing':
      return `🎼 Composing ${percent(status.fraction)} %…`;
    case 'rendering':
      return '🎧 Rendering the audio and the piano roll…';
    case 'posting':
      return '✅ Done — posting the piece…';
  }
}

/** A take's stage on its line: waiting for the take before it, or finished. */
export type TakeStatus = ComposeStatus | { readonly stage: 'waiting' } | { readonly stage: 'done' };

function takeStageText(status: TakeStatus): string {
  switch (status.stage) {
    case 'waiting':
    case 'queued':
      return '⏳ waiting';
    case 'starting':
    case 'composing':
      return `🎼 composing ${status.stage === 'composing' ? percent(status.fraction) : 0} %`;
    case 'rendering':
      return '🎧 rendering';
    case 'posting':
    case 'done':
      return '✅ done';
  }
}

/** The progress text of a job composing several takes (one after the other): a line per take. */
export function takesProgressText(takes: readonly TakeStatus[]): string {
  return takes.map((status, index) => `Take ${takeLetter(index)}: ${takeStageText(status)}`).join('\n');
}

/**
 * A compose job's updates → the text of its progress message: one line for a single piece
 * (`progressText`); for several takes the queue line while queued, then a line per take.
 */
export class ComposeProgressView {
  private readonly takes: TakeStatus[];

  constructor(takes: number) {
    this.takes = Array.from({ length: takes }, () => ({ stage: 'waiting' }) as const);
  }

  /** The text to show after `update`, or undefined when nothing visible changed. */
  text(update: JobUpdate<TakeProgress>): string | undefined {
    const status = statusFromUpdate(update);
    if (!status) return undefined;
    if (this.takes.length <= 1 || status.stage === 'queued') return progressText(status);
    const index = update.state === 'progress' ? Math.min(update.progress.take ?? 0, this.takes.length - 1) : 0;
    for (let earlier = 0; earlier < index; earlier++) this.takes[earlier] = { stage: 'done' };
    this.takes[index] = status;
    return takesProgressText(this.takes);
  }
}

export interface ThrottleOptions {
  /** Least time between two edits (ms). */
  readonly minIntervalMs: number;
  readonly now?: () => number;
}

/**
 * Sends at most one text per interval, always the newest, never the same text twice in a row,
 * and never two at once (an edit waits for the previous one). `flush()` sends what is pending
 * now; `close()` drops what is pending and stops (the final message is sent by the caller).
 */
export class ProgressThrottle {
  private readonly now: () => number;
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private lastText: string | undefined;
  private pending: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly send: (text: string) => Promise<unknown>,
    private readonly options: ThrottleOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  update(text: string): void {
    if (this.closed) return;
    this.pending = text;
    if (this.timer) return;
    const wait = this.lastSentAt + this.options.minIntervalMs - this.now();
    if (wait <= 0) void this.flush();
    else {
      this.timer = setTimeout(() => void this.flush(), wait);
      this.timer.unref?.();
    }
  }

  /** Sends the pending text now (if it differs from the last one sent). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const text = this.pending;
    this.pending = undefined;
    if (this.closed || text === undefined || text === this.lastText) return this.inFlight;
    this.lastText = text;
    this.lastSentAt = this.now();
    this.inFlight = this.inFlight
      .then(() => this.send(text))
      .then(
        () => undefined,
        () => undefined,
      );
    return this.inFlight;
  }

  /** Stops sending; resolves when an edit already under way has finished. */
  close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
    return this.inFlight;
  }
}
