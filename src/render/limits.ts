/**
 * Limits on rendering, so that no input (an hour-long upload, a MIDI whose end-of-track lies days
 * away) can tie up the machine. Defaults, then environment variables (read and validated in
 * src/config, like the MIDI limits), then explicit overrides.
 */
import { RENDER_LIMIT_ENV, renderLimitSettings } from '../config/limits.js';
import { InvalidInputError } from '../util/errors.js';

export { RENDER_LIMIT_ENV };

export interface RenderLimits {
  /** Longest piece rendered, in seconds of audio (last note-off). */
  readonly maxSeconds: number;
  /** Wall-clock limit for one render (synthesis + encoding), in seconds. */
  readonly timeoutSeconds: number;
}

export const DEFAULT_RENDER_LIMITS: RenderLimits = Object.freeze({ maxSeconds: 1200, timeoutSeconds: 300 });

export function resolveRenderLimits(overrides: Partial<RenderLimits> = {}, configured: Partial<RenderLimits> = renderLimitSettings()): RenderLimits {
  const limits: Record<keyof RenderLimits, number> = { ...DEFAULT_RENDER_LIMITS };
  for (const key of Object.keys(RENDER_LIMIT_ENV) as Array<keyof RenderLimits>) {
    limits[key] = configured[key] ?? limits[key];
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
