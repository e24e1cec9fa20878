import { describe, expect, it } from 'vitest';
import { midiLimitSettings, renderLimitSettings } from '../../src/config/settings.js';
import { DEFAULT_MIDI_LIMITS, formatBytes, midiLimitsFromFlags, resolveMidiLimits } from '../../src/midi/limits.js';
import { DEFAULT_RENDER_LIMITS, resolveRenderLimits } from '../../src/render/limits.js';
import { InvalidInputError } from '../../src/util/errors.js';

describe('MIDI limits', () => {
  it('defaults, then environment, then explicit overrides', () => {
    expect(resolveMidiLimits({}, {})).toEqual(DEFAULT_MIDI_LIMITS);
    const env = { RHYTHMIX_MAX_MIDI_BYTES: '1000', RHYTHMIX_MAX_MIDI_TRACKS: '8' };
    expect(resolveMidiLimits({}, midiLimitSettings(env))).toMatchObject({ maxBytes: 1000, maxTracks: 8, maxNotes: DEFAULT_MIDI_LIMITS.maxNotes });
    expect(resolveMidiLimits({ maxBytes: 5 }, midiLimitSettings(env)).maxBytes).toBe(5);
    // Empty means unset, as for every other variable.
    expect(midiLimitSettings({ RHYTHMIX_MAX_MIDI_BYTES: ' ' })).toEqual({});
  });

  it('rejects nonsense values, naming the variable or flag', () => {
    expect(() => midiLimitSettings({ RHYTHMIX_MAX_MIDI_NOTES: 'lots' })).toThrow(
      new InvalidInputError('RHYTHMIX_MAX_MIDI_NOTES must be a positive number, got "lots"'),
    );
    expect(() => resolveMidiLimits({ maxSeconds: -1 }, {})).toThrow(/maxSeconds must be a positive number/);
    expect(() => resolveMidiLimits({ minBpm: 500, maxBpm: 400 }, {})).toThrow(/inverted/);
    expect(() => midiLimitsFromFlags({ maxMidiBytes: '0' })).toThrow(/--max-midi-bytes must be a positive number, got "0"/);
  });

  it('render limits come through the same mechanism', () => {
    expect(resolveRenderLimits({}, renderLimitSettings({}))).toEqual(DEFAULT_RENDER_LIMITS);
    expect(resolveRenderLimits({}, renderLimitSettings({ RHYTHMIX_MAX_RENDER_SECONDS: '60', RHYTHMIX_RENDER_TIMEOUT_SECONDS: '' }))).toEqual({
      maxSeconds: 60,
      timeoutSeconds: DEFAULT_RENDER_LIMITS.timeoutSeconds,
    });
    expect(() => renderLimitSettings({ RHYTHMIX_RENDER_TIMEOUT_SECONDS: '-3' })).toThrow(
      new InvalidInputError('RHYTHMIX_RENDER_TIMEOUT_SECONDS must be a positive number of seconds, got "-3"'),
    );
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
