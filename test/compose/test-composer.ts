/**
 * A test double for the model boundary (the Composer interface), used only to test the compose
 * pipeline around it. It keeps the seed and fills the requested length with a fixed arpeggio per
 * requested instrument — no model, no learning, and nothing outside test/ uses it.
 */
import type { Composer, CompositionRequest } from '../../src/compose/composer.js';
import type { Note, Piece, Track } from '../../src/music/piece.js';

export class ArpeggioTestComposer implements Composer {
  readonly model = 'arpeggio-test-double';
  readonly requests: CompositionRequest[] = [];
  readonly seeds: Piece[] = [];

  async compose(seed: Piece, request: CompositionRequest, onProgress: (p: { fraction: number }) => void): Promise<Piece> {
    this.requests.push(request);
    this.seeds.push(seed);
    const tracks: Track[] = request.instruments.map((instrument, i) => {
      const notes: Note[] = [];
      for (let beat = request.seedBeats; beat < request.totalBeats; beat++) {
        const pitch = instrument.isDrum ? 36 + (beat % 2) * 2 : 48 + 12 * (i % 3) + [0, 4, 7, 12][beat % 4]!;
        notes.push({ pitch, start: beat, duration: instrument.isDrum ? 0.25 : 1, velocity: 90 });
      }
      onProgress({ fraction: (i + 1) / request.instruments.length });
      return { name: instrument.name, program: instrument.program, isDrum: instrument.isDrum, notes };
    });
    // The seed's own tracks stay in front, as a model continuing the seed would leave them.
    return {
      ...seed,
      tracks: [...seed.tracks, ...tracks],
      tempos: [{ time: 0, bpm: request.bpm }],
      timeSignatures: seed.timeSignatures.length > 0 ? seed.timeSignatures : [{ time: 0, ...request.timeSignature }],
    };
  }
}

/** A composer that returns nothing, to test the pipeline's handling of an empty result. */
export class SilentTestComposer implements Composer {
  readonly model = 'silent-test-double';
  async compose(seed: Piece): Promise<Piece> {
    return { ...seed, tracks: [] };
  }
}
