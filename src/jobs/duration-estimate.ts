/**
 * How long a job will take, learnt from how long recent ones took: per kind of job, an
 * exponentially weighted least-squares line through (size, duration) — an EWMA of run times that
 * also learns how duration grows with the job's size (bars × tracks for a compose). Without sizes
 * it is the plain EWMA of the durations. How far recent predictions were off (the spread) says
 * when the first of several running jobs should end: with noisy durations that is sooner than the
 * soonest expected end. Shared by every queue that gives "try again in N s".
 */

export interface DurationEstimateOptions {
  /** Duration assumed before any job has finished (ms); default 30 s. */
  readonly initialMs?: number;
  /** Weight of the newest duration (0–1]; default 0.2, about the last ten jobs. */
  readonly weight?: number;
}

/** Exponentially weighted sums of one kind's (size, duration) pairs. */
interface Fit {
  w: number;
  /** Exponentially weighted squared relative error of each prediction, before its duration came. */
  spread: number;
  spreadW: number;
  x: number;
  y: number;
  xx: number;
  xy: number;
}

const ANY_KIND = '\u0000any';

export class DurationEstimate {
  private readonly initialMs: number;
  private readonly weight: number;
  private readonly fits = new Map<string, Fit>();

  constructor(options: DurationEstimateOptions = {}) {
    this.initialMs = Math.max(0, options.initialMs ?? 30_000);
    const weight = options.weight ?? 0.2;
    if (!(weight > 0 && weight <= 1)) throw new RangeError(`weight must lie in (0, 1], got ${weight}`);
    this.weight = weight;
  }

  /** A job of `kind` and `size` (any positive measure of its work; default 1) took `ms`. */
  record(kind: string, size: number | undefined, ms: number): void {
    const x = validSize(size);
    const y = Math.max(0, ms);
    for (const key of [kind, ANY_KIND]) {
      const fit = this.fits.get(key) ?? { w: 0, spread: 0, spreadW: 0, x: 0, y: 0, xx: 0, xy: 0 };
      const keep = 1 - this.weight;
      const predicted = fit.w > 0 ? predict(fit, x) : 0;
      if (predicted > 0) {
        fit.spread = fit.spread * keep + ((y - predicted) / predicted) ** 2;
        fit.spreadW = fit.spreadW * keep + 1;
      }
      fit.w = fit.w * keep + 1;
      fit.x = fit.x * keep + x;
      fit.y = fit.y * keep + y;
      fit.xx = fit.xx * keep + x * x;
      fit.xy = fit.xy * keep + x * y;
      this.fits.set(key, fit);
    }
  }

  /** Expected duration (ms) of a job of `kind` and `size`: its kind's line, else all kinds', else the initial guess. */
  expectedMs(kind: string, size?: number): number {
    const fit = this.fits.get(kind) ?? this.fits.get(ANY_KIND);
    return fit ? predict(fit, validSize(size)) : this.initialMs;
  }

  /**
   * Expected time (ms) until the first of these running jobs ends. Until a few predictions could
   * be checked: the soonest expected end (a job past its expected duration: soon, not now). Then
   * each duration is taken as normal around its prediction with the learnt spread, given that it
   * has not ended yet, and the expectation of the minimum is integrated.
   */
  firstEndMs(jobs: ReadonlyArray<{ readonly kind: string; readonly size?: number | undefined; readonly elapsedMs: number }>): number {
    if (jobs.length === 0) return 0;
    const laws = jobs.map(({ kind, size, elapsedMs }) => {
      const expected = this.expectedMs(kind, size);
      const fit = this.fits.get(kind) ?? this.fits.get(ANY_KIND);
      const spread = fit && fit.spreadW >= MIN_CHECKED ? Math.sqrt(fit.spread / fit.spreadW) : undefined;
      return { expected, elapsed: Math.max(0, elapsedMs), sd: spread === undefined ? undefined : Math.max(spread * expected, 1) };
    });
    if (laws.some((law) => law.sd === undefined)) {
      return Math.min(...laws.map(({ expected, elapsed }) => Math.max(expected - elapsed, Math.min(1000, expected))));
    }
    // P(job i still runs t ms from now | it runs now) = Q((elapsed + t − expected) / sd) / Q((elapsed − expected) / sd).
    // A job far past its expected end is treated as 6 sd past (the tail would underflow).
    const survivals = laws.map(({ expected, elapsed, sd }) => {
      const from = Math.min((elapsed - expected) / sd!, 6);
      const base = upperTail(from);
      return (t: number) => upperTail(from + t / sd!) / base;
    });
    const horizon = Math.max(...laws.map(({ expected, elapsed, sd }) => Math.max(expected - elapsed, 0) + 8 * sd!));
    // E[min] = ∫₀^∞ P(every job still runs at t) dt (trapezoids).
    const steps = 400;
    const h = horizon / steps;
    let sum = 0;
    let previous = 1;
    for (let i = 1; i <= steps; i++) {
      const t = i * h;
      const all = survivals.reduce((product, survival) => product * survival(t), 1);
      sum += ((previous + all) / 2) * h;
      previous = all;
      if (all < 1e-9) break;
    }
    return sum;
  }
}

/** Predictions checked against real durations before the spread is trusted. */
const MIN_CHECKED = 3;

/** P(Z > z) for a standard normal Z. */
function upperTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Complementary error function (Numerical Recipes' erfcc, relative error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const polynomial =
    -1.26551223 +
    t *
      (1.00002368 +
        t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(-z * z + polynomial);
  return x >= 0 ? r : 2 - r;
}

function predict(fit: Fit, x: number): number {
  const mx = fit.x / fit.w;
  const my = fit.y / fit.w;
  const varianceX = fit.xx / fit.w - mx * mx;
  // All recent jobs had (about) one size: the EWMA, scaled by size when sizes are known.
  if (varianceX <= 1e-9 * Math.max(1, mx * mx)) return mx > 0 ? (my * x) / mx : my;
  const slope = Math.max(0, (fit.xy / fit.w - mx * my) / varianceX);
  const intercept = my - slope * mx;
  // A line that would say a small job takes no time goes through the origin instead (duration ∝ size).
  if (intercept < 0) return (fit.xy / fit.xx) * x;
  return intercept + slope * x;
}

function validSize(size: number | undefined): number {
  return size !== undefined && Number.isFinite(size) && size > 0 ? size : 1;
}
