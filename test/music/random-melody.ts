/** Seeded melodies for the originality tests: steps and leaps, eighths to halves, no two seeds alike. */
import type { Note } from '../../src/music/piece.js';
import { pick, rng } from './random-pieces.js';

export function randomMelody(seed: number, beats: number, options: { low?: number } = {}): Note[] {
  const random = rng(seed);
  const notes: Note[] = [];
  let pitch = (options.low ?? 60) + Math.floor(random() * 12);
  for (let start = 0; start < beats;) {
    const duration = pick(random, [0.5, 0.5, 1, 1, 1.5, 2]);
    pitch = Math.max(40, Math.min(90, pitch + pick(random, [-4, -2, -1, 1, 2, 3, 5, 0])));
    notes.push({ pitch, start, duration: Math.min(duration, beats - start), velocity: 80 });
    start += duration;
  }
  return notes;
}
