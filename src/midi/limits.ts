/**
 * Limits on MIDI input. Files come from users (Discord uploads, the CLI), so every size that
 * drives memory or time is bounded before the bytes are parsed. Each limit can be raised through
 * an environment variable (read and validated in src/config) or the CLI (`--max-midi-bytes`
 * etc.), and the error that a limit triggers names the variable to set.
 */
import { MIDI_LIMIT_ENV, midiLimitSettings } from '../config/limits.js';
import { InvalidInputError } from '../util/errors.js';
import { quoteInput } from '../util/text.js';

export { MIDI_LIMIT_ENV };

export interface MidiLimits {
  /** Largest file accepted, in bytes. */
  readonly maxBytes: number;
  /** Most track chunks (MTrk) in a file, and most tracks with notes after splitting by channel. */
  readonly maxTracks: number;
  /** Most notes (note-on events) in a file. */
  readonly maxNotes: number;
  /** Longest piece accepted, in seconds (end of the last note, following the tempo map). */
  readonly maxSeconds: number;
  /** Slowest tempo accepted, in beats per minute. */
  readonly minBpm: number;
  /** Fastest tempo accepted, in beats per minute. */
  readonly maxBpm: number;
  /** Most tempo events in a file. */
  readonly maxTempos: number;
  /** Most time-signature events in a file. */
  readonly maxTimeSignatures: number;
  /** Most system-exclusive messages in a file. */
  readonly maxSysex: number;
  /**
   * Most other meta events (track names, text, lyrics, markers, key signatures, unknown types)
   * plus chunks of unknown types: Rhythmix reads at most the first of them, but each costs a step.
   */
  readonly maxOtherEvents: number;
}

export const DEFAULT_MIDI_LIMITS: MidiLimits = Object.freeze({
  maxBytes: 4 * 1024 * 1024,
  maxTracks: 256,
  maxNotes: 200_000,
  maxSeconds: 3600,
  minBpm: 5,
  maxBpm: 1000,
  maxTempos: 20_000,
  maxTimeSignatures: 10_000,
  maxSysex: 10_000,
  maxOtherEvents: 50_000,
});

function parseLimitValue(name: string, raw: string): number {
  const value = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidInputError(`${name} must be a positive number, got ${quoteInput(raw)}`);
  }
  return value;
}

/**
 * The limits in force: defaults, then the configured ones (environment variables, via
 * src/config), then explicit overrides (e.g. from CLI flags). Invalid values are rejected
 * rather than silently ignored.
 */
export function resolveMidiLimits(overrides: Partial<MidiLimits> = {}, configured: Partial<MidiLimits> = midiLimitSettings()): MidiLimits {
  const limits: Record<keyof MidiLimits, number> = { ...DEFAULT_MIDI_LIMITS };
  for (const key of Object.keys(MIDI_LIMIT_ENV) as Array<keyof MidiLimits>) {
    limits[key] = configured[key] ?? limits[key];
    const override = overrides[key];
    if (override !== undefined) {
      if (!Number.isFinite(override) || override <= 0) {
        throw new InvalidInputError(`MIDI limit ${key} must be a positive number, got ${override}`);
      }
      limits[key] = override;
    }
  }
  if (limits.minBpm >= limits.maxBpm) {
    throw new InvalidInputError(`MIDI tempo limits are inverted: min ${limits.minBpm} BPM >= max ${limits.maxBpm} BPM`);
  }
  return limits;
}

/** "9.1 MB" style sizes for messages (1 MB = 1024 × 1024 bytes, as in the default limit). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${trimNumber(bytes / 1024)} KB`;
  return `${trimNumber(bytes / (1024 * 1024))} MB`;
}

function trimNumber(value: number): string {
  return value.toFixed(1).replace(/\.0$/, '');
}

/** Command-line flags for the limits, e.g. `--max-midi-bytes 8000000` (commander option names in camelCase). */
export const MIDI_LIMIT_FLAGS: ReadonlyArray<{ key: keyof MidiLimits; flag: string; option: string; description: string }> = [
  { key: 'maxBytes', flag: '--max-midi-bytes <n>', option: 'maxMidiBytes', description: 'largest MIDI file accepted, in bytes' },
  { key: 'maxTracks', flag: '--max-midi-tracks <n>', option: 'maxMidiTracks', description: 'most tracks in a MIDI file' },
  { key: 'maxNotes', flag: '--max-midi-notes <n>', option: 'maxMidiNotes', description: 'most notes in a MIDI file' },
  { key: 'maxSeconds', flag: '--max-midi-seconds <n>', option: 'maxMidiSeconds', description: 'longest MIDI piece, in seconds' },
];

/** Limits given as command-line flags (strings from commander) → overrides for resolveMidiLimits. */
export function midiLimitsFromFlags(options: Readonly<Record<string, unknown>>): Partial<MidiLimits> {
  const overrides: Partial<Record<keyof MidiLimits, number>> = {};
  for (const { key, flag, option } of MIDI_LIMIT_FLAGS) {
    const raw = options[option];
    if (raw === undefined) continue;
    overrides[key] = parseLimitValue(flag.split(' ')[0]!, typeof raw === 'string' ? raw : JSON.stringify(raw));
  }
  return overrides;
}
