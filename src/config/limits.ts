/**
 * The MIDI and render limits' environment variables, parsed without zod: render workers and
 * compose children read them, and loading zod there cost every render ~60 ms of start-up.
 * src/config/schema.ts validates the same variables at start-up with this same parser.
 */
import { InvalidInputError } from '../util/errors.js';
import type { Environment } from './env-file.js';

/** Environment variable for each MIDI limit (src/midi/limits.ts); error messages name them. */
export const MIDI_LIMIT_ENV = Object.freeze({
  maxBytes: 'RHYTHMIX_MAX_MIDI_BYTES',
  maxTracks: 'RHYTHMIX_MAX_MIDI_TRACKS',
  maxNotes: 'RHYTHMIX_MAX_MIDI_NOTES',
  maxSeconds: 'RHYTHMIX_MAX_MIDI_SECONDS',
  minBpm: 'RHYTHMIX_MIN_MIDI_BPM',
  maxBpm: 'RHYTHMIX_MAX_MIDI_BPM',
  maxTempos: 'RHYTHMIX_MAX_MIDI_TEMPOS',
  maxTimeSignatures: 'RHYTHMIX_MAX_MIDI_TIME_SIGNATURES',
  maxSysex: 'RHYTHMIX_MAX_MIDI_SYSEX',
  maxOtherEvents: 'RHYTHMIX_MAX_MIDI_OTHER_EVENTS',
} as const);

/** Environment variable for each render limit (src/render/limits.ts). */
export const RENDER_LIMIT_ENV = Object.freeze({
  maxSeconds: 'RHYTHMIX_MAX_RENDER_SECONDS',
  timeoutSeconds: 'RHYTHMIX_RENDER_TIMEOUT_SECONDS',
} as const);

/** Units named in the error message of a limit variable. */
const UNITS: Readonly<Record<string, string>> = {
  [RENDER_LIMIT_ENV.maxSeconds]: ' of seconds',
  [RENDER_LIMIT_ENV.timeoutSeconds]: ' of seconds',
};

/**
 * A limit variable's value: undefined when unset or empty (the default applies), else a
 * positive number; anything else throws InvalidInputError naming the variable.
 */
export function parseLimitVariable(name: string, raw: string | undefined): number | undefined {
  const value = raw?.trim();
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) {
    throw new InvalidInputError(`${name} must be a positive number${UNITS[name] ?? ''}, got "${value.slice(0, 40)}"`);
  }
  return number;
}

function limitsFrom<K extends string>(names: Readonly<Record<K, string>>, env: Environment): Partial<Record<K, number>> {
  const limits: Partial<Record<K, number>> = {};
  for (const key of Object.keys(names) as K[]) {
    const value = parseLimitVariable(names[key], env[names[key]]);
    if (value !== undefined) limits[key] = value;
  }
  return limits;
}

export function midiLimitSettings(env: Environment = process.env): Partial<Record<keyof typeof MIDI_LIMIT_ENV, number>> {
  return limitsFrom(MIDI_LIMIT_ENV, env);
}

export function renderLimitSettings(env: Environment = process.env): Partial<Record<keyof typeof RENDER_LIMIT_ENV, number>> {
  return limitsFrom(RENDER_LIMIT_ENV, env);
}
