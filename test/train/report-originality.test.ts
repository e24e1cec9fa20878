import { describe, expect, it } from 'vitest';
import { indexPieces, OriginalityIndex } from '../../src/music/originality.js';
import { createPiece, slicePiece, transposePiece, type Piece } from '../../src/music/piece.js';
import { originalityRow, originalityStats } from '../../src/train/originality.js';
import { originalitySection } from '../../src/train/report-originality-markdown.js';
import { randomMelody } from '../music/random-melody.js';

const melody = (seed: number, beats = 32): Piece => createPiece([{ name: 'm', program: 0, isDrum: false, notes: randomMelody(seed, beats) }]);
const index = new OriginalityIndex(
  indexPieces(
    [1, 2, 3, 4].map((seed) => ({ id: `nottingham/train/${seed}.mid`, style: 'folk', piece: melody(seed) })),
    4,
  ),
);
const loaded = { index, provenance: { datasets: ['nottingham'], split: 'train', createdAt: 'now' } };

describe('the report’s originality measure', () => {
  it('summarises longest copies as median, mean, max and pieces per range', () => {
    const stats = originalityStats([0, 0.5, 1.5, 3, 6]);
    expect(stats).toMatchObject({ pieces: 5, median: 1.5, max: 6, buckets: [1, 1, 1, 1, 1] });
    expect(stats.mean).toBeCloseTo(2.2, 9);
  });

  it('flags a generated piece that copies 4 bars or more, naming its seed and the training piece', () => {
    const copy = transposePiece(slicePiece(melody(2), 0, 24), -3); // 6 bars of training piece 2, transposed
    const row = originalityRow(
      'm',
      'folk',
      loaded,
      [
        { seed: 11, piece: melody(50) },
        { seed: 12, piece: copy },
      ],
      [melody(60), melody(3)],
    );
    expect(row.flagged).toEqual([{ seed: 12, bars: expect.any(Number), copiedFrom: 'nottingham/train/2.mid' }]);
    expect(row.flagged[0]!.bars).toBeGreaterThanOrEqual(5.5);
    expect(row.generated?.buckets.at(-1)).toBe(1);
    // The held-out set measured alike: one unrelated excerpt, one that is training piece 3 itself.
    expect(row.heldOut).toMatchObject({ pieces: 2, max: 8 });

    const markdown = originalitySection({ originality: [row] }).join('\n');
    expect(markdown).toContain('## Originality: longest phrase shared with the training data');
    expect(markdown).toMatch(/\| m \| folk \| generated \(2\) \| /);
    expect(markdown).toMatch(/⚠️ \*\*m\*\*, folk: 1 piece\(s\) — seed 12: [\d.]+ bars of `nottingham\/train\/2\.mid`/);
  });

  it('says when a model has no index instead of measuring', () => {
    const row = originalityRow('bare', 'folk', { index: null, note: 'the model bare has no originality index' }, [{ seed: 1, piece: melody(1) }], []);
    expect(row).toMatchObject({ generated: null, flagged: [] });
    expect(originalitySection({ originality: [row] }).join('\n')).toContain('| bare | folk | generated | the model bare has no originality index |');
  });
});
