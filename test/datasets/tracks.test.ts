import { describe, expect, it } from 'vitest';
import { createPiece, type Track } from '../../src/music/piece.js';
import { selectTracks } from '../../src/datasets/tracks.js';
import { prepareGamePiece } from '../../src/datasets/spec.js';

const track = (name: string, notes: number, options: Partial<Track> & { length?: number } = {}): Track => ({
  name,
  program: options.program ?? 0,
  isDrum: options.isDrum ?? false,
  notes: Array.from({ length: notes }, (_, i) => ({ pitch: 40 + (i % 40), start: i, duration: options.length ?? 1, velocity: 80 })),
});

describe('selectTracks', () => {
  const piece = createPiece([
    track('pad', 3, { length: 16 }),
    track('kick', 10, { isDrum: true }),
    track('lead', 50),
    track('bass', 40),
    track('arp', 50, { length: 0.25 }),
    track('snare', 5, { isDrum: true }),
    track('strings', 20),
    track('fx', 1),
  ]);

  it('keeps the busiest pitched tracks in file order, ties broken by sounding time, drums merged last', () => {
    const chosen = selectTracks(piece, { maxInstruments: 3, keepDrums: true });
    expect(chosen.tracks.map((t) => t.name)).toEqual(['lead', 'bass', 'arp', 'drums']);
    const drums = chosen.tracks[3]!;
    expect(drums.isDrum).toBe(true);
    expect(drums.notes).toHaveLength(15);
    expect(drums.notes.map((n) => n.start)).toEqual([...drums.notes.map((n) => n.start)].sort((a, b) => a - b));
  });

  it('prefers the longer-sounding track on equal note counts', () => {
    const chosen = selectTracks(piece, { maxInstruments: 1, keepDrums: false });
    expect(chosen.tracks.map((t) => t.name)).toEqual(['lead']);
  });

  it('game pieces keep four instruments and the drums', () => {
    expect(prepareGamePiece(piece).tracks.map((t) => t.name)).toEqual(['lead', 'bass', 'arp', 'strings', 'drums']);
  });

  it('keeps a single drum track as it is', () => {
    const oneKit = createPiece([track('kit', 4, { isDrum: true }), track('lead', 2)]);
    expect(selectTracks(oneKit, { maxInstruments: 4, keepDrums: true }).tracks.map((t) => t.name)).toEqual(['lead', 'kit']);
  });
});
