/**
 * Limits on rendering, so that no input (an hour-long upload, a MIDI whose end-of-track lies days
 * away) can tie up the machine. Defaults, then environment variables, then explicit overrides.
 */
import { InvalidInputError } from '../util/errors.js';

export interface RenderLimits {
  /** Longest piece rendered, in seconds of audio (last note-off). */
  readonly maxSeconds: number;
  /** Wall-clock limit for one render (synthesis + encoding), in seconds. */
  readonly timeoutSeconds: number;
}

export const DEFAULT_RENDER_LIMITS: RenderLimits = Object.freeze({ maxSeconds: 1200, timeoutSeconds: 300 });

export const RENDER_LIMIT_ENV: Readonly<Record<keyof RenderLimits, string>> = Object.freeze({
  maxSeconds: 'RHYTHMIX_MAX_RENDER_SECONDS',
  timeoutSeconds: 'RHYTHMIX_RENDER_TIMEOUT_SECONDS',
});

export function resolveRenderLimits(
  overrides: Partial<RenderLimits> = {},
  env: NodeJS.ProcessEnv = process.env,
): RenderLimits {
  const limits: Record<keyof RenderLimits, number> = { ...DEFAULT_RENDER_LIMITS };
  for (const key of Object.keys(RENDER_LIMIT_ENV) as Array<keyof RenderLimits>) {
    const raw = env[RENDER_LIMIT_ENV[key]];
    if (raw !== undefined && raw.trim() !== '') {
      const value = Number(raw.trim());
      if (!Number.isFinite(value) || value <= 0) {
        throw new InvalidInputError(`${RENDER_LIMIT_ENV[key]} must be a positive number of seconds, got "${raw}"`);
      }
      limits[key] = value;
    }
    const override = overrides[key];
    if (override !== undefined) {
      if (!Number.isFinite(override) || override <= 0) {
        throw new InvalidInputError(`render limit ${key} must be a positive number of seconds, got ${override}`);
      }
      limits[key] = override;
    }
  }
  return limits;
}
