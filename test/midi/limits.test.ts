import { describe, expect, it } from 'vitest';
import { DEFAULT_MIDI_LIMITS, formatBytes, midiLimitsFromFlags, resolveMidiLimits } from '../../src/midi/limits.js';
import { InvalidInputError } from '../../src/util/errors.js';

describe('MIDI limits', () => {
  it('defaults, then environment, then explicit overrides', () => {
    expect(resolveMidiLimits({}, {})).toEqual(DEFAULT_MIDI_LIMITS);
    const env = { RHYTHMIX_MAX_MIDI_BYTES: '1000', RHYTHMIX_MAX_MIDI_TRACKS: '8' };
    expect(resolveMidiLimits({}, env)).toMatchObject({ maxBytes: 1000, maxTracks: 8, maxNotes: DEFAULT_MIDI_LIMITS.maxNotes });
    expect(resolveMidiLimits({ maxBytes: 5 }, env).maxBytes).toBe(5);
  });

  it('rejects nonsense values, naming the variable or flag', () => {
    expect(() => resolveMidiLimits({}, { RHYTHMIX_MAX_MIDI_NOTES: 'lots' })).toThrow(
      new InvalidInputError('RHYTHMIX_MAX_MIDI_NOTES must be a positive number, got "lots"'),
    );
    expect(() => resolveMidiLimits({ maxSeconds: -1 }, {})).toThrow(/maxSeconds must be a positive number/);
    expect(() => resolveMidiLimits({ minBpm: 500, maxBpm: 400 }, {})).toThrow(/inverted/);
    expect(() => midiLimitsFromFlags({ maxMidiBytes: '0' })).toThrow(/--max-midi-bytes must be a positive number, got "0"/);
  });

  it('reads command-line flags', () => {
    expect(midiLimitsFromFlags({ maxMidiBytes: '8000000', maxMidiSeconds: '60', json: true })).toEqual({
      maxBytes: 8_000_000,
      maxSeconds: 60,
    });
  });

  it('formats sizes the way the messages show them', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(4 * 1024 * 1024)).toBe('4 MB');
    expect(formatBytes(9_542_042)).toBe('9.1 MB');
  });
});
