import { describe, expect, it } from 'vitest';
import type { ComposeChildOutput } from '../../src/app/compose-job.js';
import { pieceParameters, SEED_FILE } from '../../src/app/store-piece.js';

const summary = {
  style: 'folk',
  samplingSeed: 42,
  seconds: 8,
  notes: 30,
  bars: 8,
  seedBars: 2,
  tracks: [{ name: 'piano' }],
  longestCopiedBars: 1,
  originality: { copiedFrom: null, attempts: 2, note: null },
  scorePng: '/pieces/.work-x/score.png',
  musicxml: '/pieces/.work-x/piece.musicxml',
} as unknown as ComposeChildOutput['summary'];

describe('the parameters a composed piece stores (bot and web alike)', () => {
  it('keeps the request, what the compose reported, its originality and its score files by name', () => {
    const parameters = pieceParameters({ kind: 'original', input: { style: 'folk', meter: '3/4', form: 'AABA' }, midi: { name: 'tune.mid' } }, summary);
    expect(parameters).toEqual({
      request: { style: 'folk', meter: '3/4', form: 'AABA' },
      seconds: 8,
      notes: 30,
      seedBars: 2,
      addedBars: 6,
      tracks: ['piano'],
      midiName: 'tune.mid',
      midiSeed: SEED_FILE,
      longestCopiedBars: 1,
      originality: { copiedFrom: null, attempts: 2, note: null },
      score: { png: 'score.png', musicxml: 'piece.musicxml' },
    });
  });

  it('names a take and stores its own sampling seed when the request fixed one', () => {
    const parameters = pieceParameters({ kind: 'original', input: { takes: 2, samplingSeed: 41 } }, summary, 1);
    expect(parameters.take).toBe('B');
    expect(parameters.request).toEqual({ samplingSeed: 42 });
  });

  it('marks a piece without an originality index (null bars) and without a score', () => {
    const { longestCopiedBars: _bars, originality: _originality, scorePng: _png, musicxml: _xml, ...plain } = summary;
    const parameters = pieceParameters({ kind: 'variation', parentId: 3, input: {} }, plain as ComposeChildOutput['summary']);
    expect(parameters.longestCopiedBars).toBeNull();
    expect(parameters.originality).toEqual({ copiedFrom: null, attempts: 1, note: null });
    expect(parameters.score).toBeUndefined();
  });
});
