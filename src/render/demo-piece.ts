/**
 * A fixed multi-track test signal (melody, chords, bass, drums over I–V–vi–IV) for the render
 * benchmark and tests where no data-set file is present. Deterministic; not music the model made.
 */
import { createPiece, type Note, type Piece, type Track } from '../music/piece.js';

const PROGRESSION = [
  [60, 64, 67], // C
  [55, 59, 62], // G
  [57, 60, 64], // Am
  [53, 57, 60], // F
];
const MELODY_STEPS = [0, 2, 4, 2, 1, 2, 0, -1];

export function demoPiece(options: { bars?: number; bpm?: number; velocityScale?: number } = {}): Piece {
  const bars = options.bars ?? 16;
  const scale = options.velocityScale ?? 1;
  const velocity = (v: number): number => Math.max(1, Math.min(127, Math.round(v * scale)));
  const melody: Note[] = [];
  const chords: Note[] = [];
  const bass: Note[] = [];
  const drums: Note[] = [];
  for (let bar = 0; bar < bars; bar++) {
    const chord = PROGRESSION[bar % PROGRESSION.length] as number[];
    const start = bar * 4;
    for (const pitch of chord) chords.push({ pitch, start, duration: 4, velocity: velocity(60) });
    bass.push({ pitch: (chord[0] as number) - 24, start, duration: 2, velocity: velocity(80) });
    bass.push({ pitch: (chord[0] as number) - 17, start: start + 2, duration: 2, velocity: velocity(75) });
    for (let step = 0; step < 8; step++) {
      const degree = MELODY_STEPS[(step + bar) % MELODY_STEPS.length] as number;
      const base = chord[Math.abs(degree) % 3] as number;
      melody.push({ pitch: base + 12 + (degree < 0 ? -1 : 0), start: start + step / 2, duration: 0.5, velocity: velocity(step % 2 === 0 ? 96 : 78) });
      drums.push({ pitch: 42, start: start + step / 2, duration: 0.25, velocity: velocity(step % 2 === 0 ? 70 : 50) });
    }
    drums.push({ pitch: 36, start, duration: 0.25, velocity: velocity(100) }, { pitch: 36, start: start + 2, duration: 0.25, velocity: velocity(100) });
    drums.push(
      { pitch: 38, start: start + 1, duration: 0.25, velocity: velocity(90) },
      { pitch: 38, start: start + 3, duration: 0.25, velocity: velocity(90) },
    );
  }
  const tracks: Track[] = [
    { name: 'piano', program: 0, isDrum: false, notes: melody },
    { name: 'strings', program: 48, isDrum: false, notes: chords },
    { name: 'bass', program: 33, isDrum: false, notes: bass },
    { name: 'drums', program: 0, isDrum: true, notes: drums },
  ];
  return createPiece(tracks, { bpm: options.bpm ?? 100, title: 'Rhythmix render test' });
}
