import { describe, expect, it } from 'vitest';
import type { Piece } from '../../src/music/piece.js';
import { SUMMARY_LIMITS, summarizePiece } from '../../src/midi/summary.js';

describe('summarizePiece', () => {
  const scale = [60, 62, 64, 65, 67, 69, 71, 72, 67, 64, 60];
  const piece: Piece = {
    tracks: [
      { name: 'flute', program: 73, isDrum: false, notes: scale.map((pitch, i) => ({ pitch, start: i, duration: 1, velocity: 90 })) },
      { name: 'kit', program: 0, isDrum: true, notes: [{ pitch: 36, start: 0, duration: 0.25, velocity: 100 }] },
    ],
    tempos: [
      { time: 0, bpm: 60 },
      { time: 4, bpm: 120 },
    ],
    timeSignatures: [{ time: 0, numerator: 3, denominator: 4 }],
    title: 'scale',
  };

  it('lists tracks with GM instruments and sums up length, tempo, metre and key', () => {
    const summary = summarizePiece(piece);
    expect(summary.track_count).toBe(2);
    expect(summary.tracks).toEqual([
      { index: 0, name: 'flute', program: 73, instrument: 'flute', drum: false, notes: 11, lowest_pitch: 60, highest_pitch: 72 },
      { index: 1, name: 'kit', program: 0, instrument: 'drums', drum: true, notes: 1, lowest_pitch: 36, highest_pitch: 36 },
    ]);
    expect(summary.notes).toBe(12);
    expect(summary.tempo).toBe(60);
    expect(summary.tempos).toHaveLength(2);
    expect(summary.tempo_count).toBe(2);
    expect(summary.time_signature_count).toBe(1);
    expect(summary.time_signature).toBe('3/4');
    // 4 beats at 60 BPM + 7 beats at 120 BPM.
    expect(summary.seconds).toBe(7.5);
    expect(summary.beats).toBe(11);
    expect(summary.bars).toBe(4);
    expect(summary.key).toBe('C major');
    expect(summary.key_confidence).toBeGreaterThan(0.5);
  });
});

describe('summarizePiece on hostile pieces', () => {
  const note = (start: number) => ({ pitch: 60, start, duration: 1, velocity: 90 });
  const hostile: Piece = {
    tracks: Array.from({ length: 300 }, (_, i) => ({ name: `\u001b[31m${'x'.repeat(5000)}${i}`, program: i % 128, isDrum: false, notes: [note(i)] })),
    tempos: Array.from({ length: 5000 }, (_, i) => ({ time: i, bpm: 100 + (i % 2) })),
    timeSignatures: Array.from({ length: 3000 }, (_, i) => ({ time: i * 3, numerator: 3 + (i % 2), denominator: 4 })),
    title: 'y'.repeat(100_000),
  };
  const summary = summarizePiece(hostile);

  it('lists the first entries and counts them all', () => {
    expect(summary.tracks).toHaveLength(SUMMARY_LIMITS.tracks);
    expect(summary.track_count).toBe(300);
    expect(summary.notes).toBe(300);
    expect(summary.tempos).toHaveLength(SUMMARY_LIMITS.changes);
    expect(summary.tempo_count).toBe(5000);
    expect(summary.time_signatures).toHaveLength(SUMMARY_LIMITS.changes);
    expect(summary.time_signature_count).toBe(3000);
  });

  it('cuts names and titles and drops control characters', () => {
    const name = summary.tracks[0]!.name;
    expect([...name]).toHaveLength(SUMMARY_LIMITS.nameChars);
    expect(name).toMatch(/^\ufffd\[31mx+…$/);
    expect(summary.title).toBe(`${'y'.repeat(SUMMARY_LIMITS.nameChars - 1)}…`);
  });

  it('stays small as pretty-printed JSON', () => {
    expect(JSON.stringify(summary, null, 2).length).toBeLessThan(48 * 1024);
  });
});
