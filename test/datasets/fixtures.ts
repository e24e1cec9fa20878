/** Small MIDI files and folders for data-set tests, written with the project's own writer. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createPiece, type Piece, type Track } from '../../src/music/piece.js';
import { writeMidi } from '../../src/midi/write.js';

export function melodyTrack(program: number, base: number, notes = 8): Track {
  return {
    name: `program ${program}`,
    program,
    isDrum: false,
    notes: Array.from({ length: notes }, (_, i) => ({ pitch: base + ((i * 2) % 12), start: i / 2, duration: 0.5, velocity: 80 })),
  };
}

export function tune(tracks = 1): Piece {
  return createPiece(Array.from({ length: tracks }, (_, i) => melodyTrack(i, 48 + 12 * (i % 3), 8 + i)));
}

/** Write files: path → piece (a MIDI file) or string (raw bytes, e.g. a corrupt file). */
export function writeFiles(files: Record<string, Piece | string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, typeof content === 'string' ? content : writeMidi(content));
  }
}
