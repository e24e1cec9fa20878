/**
 * The request's shape holds whatever the model would rather do: the meter the length is measured
 * in, and chords no larger than the data has (rhythmix-base, folk, no seed: the case that broke).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseComposeOptions } from '../../src/compose/options.js';
import { buildRequest } from '../../src/compose/pipeline.js';
import { LstmComposer } from '../../src/compose/lstm-composer.js';
import { loadSeed } from '../../src/compose/seed-input.js';
import { Generator } from '../../src/model/generator.js';
import { modelsDirectory } from '../../src/model/model-files.js';

const bundled = existsSync(path.join(modelsDirectory(), 'rhythmix-base', 'model.json'));

describe.skipIf(!bundled)('LstmComposer with rhythmix-base', () => {
  it('keeps the requested meter and at most 6 notes per track and onset', async () => {
    const generator = await Generator.load('rhythmix-base');
    const composer = new LstmComposer('rhythmix-base', generator);
    const empty = await loadSeed({ seedBars: 4 });
    const base = buildRequest(parseComposeOptions({ style: 'folk', bars: 16 }), empty);
    let biggestChord = 0;
    for (let samplingSeed = 1000; samplingSeed < 1010; samplingSeed++) {
      const piece = await composer.compose(empty.piece, { ...base, samplingSeed }, () => {});
      expect(piece.timeSignatures.map((t) => `${t.numerator}/${t.denominator}`)).toEqual(['4/4']);
      for (const track of piece.tracks.filter((t) => !t.isDrum)) {
        const perOnset = new Map<number, number>();
        for (const note of track.notes) perOnset.set(note.start, (perOnset.get(note.start) ?? 0) + 1);
        biggestChord = Math.max(biggestChord, ...perOnset.values());
        expect(Math.max(...track.notes.map((n) => n.start + n.duration))).toBeLessThanOrEqual(base.totalBeats + 1e-9);
      }
    }
    expect(biggestChord).toBeGreaterThan(1); // chords still happen…
    expect(biggestChord).toBeLessThanOrEqual(6); // …but never piles
  });
});
