import { describe, expect, it } from 'vitest';
import { judge } from '../../src/feedback/guardrail.js';
import { checkStats, pieceStats, statRanges, type SampleStats } from '../../src/feedback/sample-stats.js';
import { createPiece } from '../../src/music/piece.js';
import { originalDataSpecs } from '../../src/feedback/original-data.js';
import type { ModelCard } from '../../src/model/model-files.js';

const stats = (meanPitch: number, notesPerQuarter = 1): SampleStats => ({ notesPerQuarter, meanPitch, pitchSpan: 12, pitchClasses: 7 });
const data = Array.from({ length: 21 }, (_, i) => stats(60 + i, 0.5 + i * 0.05));
const ranges = statRanges(data);

describe('sample statistics', () => {
  it('measures density, register, span and pitch-class variety of a piece', () => {
    const piece = createPiece([
      {
        name: 'Track 1',
        program: 0,
        isDrum: false,
        notes: [
          { pitch: 60, start: 0, duration: 1, velocity: 80 },
          { pitch: 64, start: 1, duration: 1, velocity: 80 },
          { pitch: 72, start: 2, duration: 2, velocity: 80 },
        ],
      },
    ]);
    expect(pieceStats(piece)).toEqual({ notesPerQuarter: 0.75, meanPitch: (60 + 64 + 72) / 3, pitchSpan: 12, pitchClasses: 2 });
    expect(pieceStats(createPiece([]))).toBeNull();
  });

  it('passes medians inside the data range and names each statistic outside it', () => {
    expect(ranges.meanPitch.min).toBeCloseTo(61, 6);
    expect(ranges.meanPitch.max).toBeCloseTo(79, 6);
    expect(checkStats([stats(65), stats(70), stats(75)], ranges).ok).toBe(true);
    const high = checkStats([stats(90), stats(91), stats(92)], ranges);
    expect(high.ok).toBe(false);
    expect(high.problems).toEqual([expect.stringMatching(/^meanPitch median 91 outside the data's 61–79/)]);
    const empty = checkStats([null, null, stats(70)], ranges);
    expect(empty.problems).toEqual([expect.stringMatching(/67 % of samples have no notes/)]);
  });

  it('tolerates a reference model that is already out of range, but not a candidate that drifts further', () => {
    const reference = checkStats([stats(88)], ranges);
    expect(reference.ok).toBe(false);
    expect(checkStats([stats(89)], ranges, reference).ok).toBe(true);
    expect(checkStats([stats(99)], ranges, reference).ok).toBe(false);
  });
});

describe('judge', () => {
  const inRange = checkStats([stats(70)], ranges);
  it('accepts up to 5 % worse validation NLL and rejects beyond, with the reason', () => {
    expect(judge({ referenceNll: 2, candidateNll: 2.1, stats: inRange })).toMatchObject({ accepted: true, regression: expect.closeTo(0.05, 9) });
    expect(judge({ referenceNll: 2, candidateNll: 1.5, stats: inRange }).accepted).toBe(true);
    const worse = judge({ referenceNll: 2, candidateNll: 2.12, stats: inRange });
    expect(worse.accepted).toBe(false);
    expect(worse.reason).toMatch(/validation NLL 2\.1200 is 6\.0 % worse than the reference 2\.0000 \(at most 5 %\)/);
    expect(judge({ referenceNll: 2, candidateNll: Number.NaN, stats: inRange }).accepted).toBe(false);
  });
  it('rejects a candidate whose samples leave the range even with a good NLL', () => {
    const verdict = judge({ referenceNll: 2, candidateNll: 1.9, stats: checkStats([stats(95)], ranges) });
    expect(verdict.accepted).toBe(false);
    expect(verdict.reason).toMatch(/meanPitch median 95/);
  });
});

describe('originalDataSpecs', () => {
  const card = (data: Record<string, unknown>) => ({ data: { source: 'gone/shards', ...data } }) as unknown as ModelCard;
  it('replays the data sets the shards were built from, else those of the styles', () => {
    expect(originalDataSpecs(card({ datasets: ['jsb-frames'], styles: ['classical'] }))).toEqual(['jsb-frames']);
    expect(originalDataSpecs(card({ styles: ['classical', 'folk'] }))).toEqual(['jsb', 'nottingham']);
    expect(originalDataSpecs(null)).toEqual(['jsb']);
  });
});
