import { describe, expect, it } from 'vitest';
import type { Piece } from '../../src/music/piece.js';
import { summarizePiece } from '../../src/midi/summary.js';

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
    expect(summary.tracks).toEqual([
      { index: 0, name: 'flute', program: 73, instrument: 'flute', drum: false, notes: 11, lowest_pitch: 60, highest_pitch: 72 },
      { index: 1, name: 'kit', program: 0, instrument: 'drums', drum: true, notes: 1, lowest_pitch: 36, highest_pitch: 36 },
    ]);
    expect(summary.notes).toBe(12);
    expect(summary.tempo).toBe(60);
    expect(summary.tempos).toHaveLength(2);
    expect(summary.time_signature).toBe('3/4');
    // 4 beats at 60 BPM + 7 beats at 120 BPM.
    expect(summary.seconds).toBe(7.5);
    expect(summary.beats).toBe(11);
    expect(summary.bars).toBe(4);
    expect(summary.key).toBe('C major');
    expect(summary.key_confidence).toBeGreaterThan(0.5);
  });
});
