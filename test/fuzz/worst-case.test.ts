/**
 * The worst files under the 4 MB limit (src/fuzz/worst-case.ts), each read as `rhythmix inspect`
 * reads it in a process of its own: refused with a typed error or read, never a crash; the
 * process's peak memory (Node included) stays within 150 MB; the caps cut each flood at its limit.
 */
import { describe, expect, it } from 'vitest';
import { measureWorstCases } from '../../src/fuzz/worst-case-run.js';
import { WORST_CASES } from '../../src/fuzz/worst-case.js';
import { assertCliBuilt } from '../cli/run-cli.js';

const MAX_RSS_MB = 150;

describe('worst-case MIDI files', () => {
  it('each is read or refused within the memory bound, the floods cut by their caps', () => {
    assertCliBuilt();
    const measured = measureWorstCases();
    expect(measured.map((m) => m.name)).toEqual(Object.keys(WORST_CASES));
    for (const m of measured) {
      expect(m.bytes, m.name).toBeLessThan(4 * 1024 * 1024);
      expect(m.outcome, `${m.name}: ${m.detail}`).not.toBe('crash');
      expect(m.max_rss_mb, m.name).toBeLessThanOrEqual(MAX_RSS_MB);
    }
    const detail = Object.fromEntries(measured.map((m) => [m.name, m.detail]));
    expect(detail['tempo-flood']).toMatch(/RHYTHMIX_MAX_MIDI_TEMPOS/);
    expect(detail['time-signature-flood']).toMatch(/RHYTHMIX_MAX_MIDI_TIME_SIGNATURES/);
    expect(detail['sysex-flood']).toMatch(/RHYTHMIX_MAX_MIDI_SYSEX/);
    expect(detail['unknown-meta-flood']).toMatch(/RHYTHMIX_MAX_MIDI_OTHER_EVENTS/);
    expect(detail['alien-chunk-flood']).toMatch(/RHYTHMIX_MAX_MIDI_OTHER_EVENTS/);
    expect(detail['instrument-flood']).toMatch(/too many tracks/);
    expect(detail['track-flood']).toMatch(/too many tracks: 65535/);
    // Read whole, their summaries a few KB at most.
    for (const name of ['note-flood', 'controller-flood', 'open-note-flood', 'long-names', 'bar-flood']) {
      expect(detail[name]).toMatch(/^summary of \d+ bytes$/);
      expect(Number(/\d+/.exec(detail[name]!)![0]), name).toBeLessThan(64 * 1024);
    }
  }, 180_000);
});
