/**
 * A model trained on piano rolls read frame by frame (jsb-bench, `jsb-frames`) writes a held note
 * as repeated one-beat notes: `compose` merges them back, and splits a seed's held notes for it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseComposeOptions } from '../../src/compose/options.js';
import { buildRequest } from '../../src/compose/pipeline.js';
import { LstmComposer } from '../../src/compose/lstm-composer.js';
import { loadSeed } from '../../src/compose/seed-input.js';
import { Generator } from '../../src/model/generator.js';
import { modelsDirectory, readsPianoRollFrames } from '../../src/model/model-files.js';
import { createPiece, mergeRepeatedNotes, noteCount } from '../../src/music/piece.js';

const bundled = existsSync(path.join(modelsDirectory(), 'jsb-bench', 'model.json'));

describe('readsPianoRollFrames', () => {
  it('is true only for a model whose shards were built from jsb-frames alone', () => {
    const card = (datasets?: string[]) => ({ data: { source: 'x', ...(datasets ? { datasets } : {}) } }) as never;
    expect(readsPianoRollFrames(card(['jsb-frames']))).toBe(true);
    expect(readsPianoRollFrames(card(['jsb-frames', 'jsb']))).toBe(false);
    expect(readsPianoRollFrames(card(['jsb', 'nottingham']))).toBe(false);
    expect(readsPianoRollFrames(card())).toBe(false);
    expect(readsPianoRollFrames(null)).toBe(false);
  });
});

describe.skipIf(!bundled)('composing with jsb-bench', () => {
  it('splits a seed into frames and merges the result into held notes', async () => {
    const generator = await Generator.load('jsb-bench');
    expect(generator.writesFrames).toBe(true);
    const seedNotes = createPiece([{ name: 'x', program: 0, isDrum: false, notes: [{ pitch: 60, start: 0, duration: 2, velocity: 80 }] }]);
    const pitchTokens = generator.prefixFromPiece(seedNotes, 'classical').filter((id) => id === generator.vocabulary.pitchId(60));
    expect(pitchTokens).toHaveLength(2);

    const empty = await loadSeed({ seedBars: 4 });
    const request = { ...buildRequest(parseComposeOptions({ style: 'classical', bars: 8 }), empty), samplingSeed: 3 };
    const piece = await new LstmComposer('jsb-bench', generator).compose(empty.piece, request, () => {});
    expect(noteCount(piece)).toBeGreaterThan(16);
    // Nothing left to merge, and some notes are held longer than one frame.
    expect(mergeRepeatedNotes(piece)).toEqual(piece);
    expect(piece.tracks.some((t) => t.notes.some((n) => n.duration > 1))).toBe(true);
  });
});
