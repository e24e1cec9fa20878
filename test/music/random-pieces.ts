/** Seeded random pieces for property tests of the music core. */
import type { Note, Piece, TimeSignature, Track } from '../../src/music/piece.js';
import { quantizePiece } from '../../src/music/quantize.js';
import { trackName } from '../../src/music/tokens.js';
import { DEFAULT_VOCABULARY, binVelocity, meterName, meterSteps } from '../../src/music/vocabulary.js';

export { mulberry32 as rng } from '../support/random.js';

export const int = (random: () => number, min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
export const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

export interface RandomPieceOptions {
  stepsPerQuarter: number;
  maxTracks?: number;
  drums?: boolean;
  meterChanges?: boolean;
}

/**
 * A random canonical quantised piece: velocities on bin values, tracks named as decoding
 * names them, one tempo, meters with tokens, changing only before the last note ends.
 */
export function randomCanonicalPiece(random: () => number, options: RandomPieceOptions): Piece {
  const spq = options.stepsPerQuarter;
  const bins = DEFAULT_VOCABULARY.spec.velocityBins;
  const fitting = DEFAULT_VOCABULARY.spec.meters.filter((m) => {
    const steps = meterSteps(m, spq);
    return Number.isInteger(steps) && steps >= 1 && steps <= DEFAULT_VOCABULARY.spec.maxBarSteps;
  });
  const trackCount = int(random, 1, options.maxTracks ?? 5);
  const lengthSteps = int(random, 1, 40 * spq);
  const tracks: Track[] = [];
  for (let t = 0; t < trackCount; t++) {
    const isDrum = options.drums === true && random() < 0.3;
    const notes: Note[] = [];
    const density = random();
    const count = int(random, 0, Math.ceil(lengthSteps * density));
    for (let i = 0; i < count; i++) {
      const long = random() < 0.05;
      notes.push({
        pitch: isDrum ? int(random, 35, 81) : int(random, 0, 127),
        start: int(random, 0, lengthSteps - 1) / spq,
        duration: (long ? int(random, 1, 200) : int(random, 1, 8)) / spq,
        velocity: random() < 0.7 ? binVelocity(9, bins) : binVelocity(int(random, 0, bins - 1), bins),
      });
    }
    tracks.push({ name: trackName(t), program: isDrum ? 0 : int(random, 0, 127), isDrum, notes });
  }
  // quantizePiece resolves same-pitch collisions; everything is already on the grid.
  const resolved = quantizePiece(
    { tracks, tempos: [{ time: 0, bpm: 120 }], timeSignatures: [{ time: 0, numerator: 4, denominator: 4 }] },
    { stepsPerQuarter: spq },
  ).piece;
  const endStep = Math.round(Math.max(0, ...resolved.tracks.flatMap((t) => t.notes.map((n) => (n.start + n.duration) * spq))));
  const first = pick(random, fitting);
  const timeSignatures: TimeSignature[] = [{ time: 0, numerator: first.numerator, denominator: first.denominator }];
  if (options.meterChanges === true && endStep > 1) {
    const changes = [...new Set(Array.from({ length: int(random, 0, 3) }, () => int(random, 1, endStep - 1)))].sort((a, b) => a - b);
    for (const step of changes) {
      const previous = timeSignatures[timeSignatures.length - 1] as TimeSignature;
      const meter = pick(
        random,
        fitting.filter((m) => meterName(m) !== meterName(previous)),
      );
      timeSignatures.push({ time: step / spq, numerator: meter.numerator, denominator: meter.denominator });
    }
  }
  return { ...resolved, timeSignatures };
}
