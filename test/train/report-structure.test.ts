import { describe, expect, it } from 'vitest';
import { FEATURE_NAMES } from '../../src/music/features.js';
import type { Style } from '../../src/music/styles.js';
import { summarize } from '../../src/train/mgeval.js';
import type { FeatureRow, ModelReport, OverlapSection } from '../../src/train/report.js';
import { reportMarkdown } from '../../src/train/report-markdown.js';
import {
  degenerateRow,
  degenerateTotal,
  formRepetitionRow,
  heldOutCheck,
  repetitionRow,
  repetitionSet,
  type RepetitionRow,
} from '../../src/train/structure.js';
import { issueTargets } from '../../src/train/targets.js';

/** Held-out excerpts none of which breaks a rule. */
const clean = (pieces: number) => heldOutCheck(Array.from({ length: pieces }, () => []));
const rep = (score: number, exactShare = 0) => ({ score, exactShare, transposedScore: score, bars: 16, compared: 15 });

/** A fake overlap section: every feature at `overlap`, pitch-class entropy generated vs reference. */
function section(model: string, style: Style, overlap: number, entropy: [number, number], lowest?: number): OverlapSection {
  const features: FeatureRow[] = FEATURE_NAMES.map((feature, i) => ({
    feature,
    overlap: i === 1 && lowest !== undefined ? lowest : overlap,
    overlapDataRange: overlap,
    kl: 0.1,
    bandwidths: [0.1, 0.1],
    intra: summarize([1, 2]),
    inter: summarize([1, 2]),
    generatedIntra: summarize([1, 2]),
    referencePieces: 4,
    generatedPieces: 4,
    referenceValue: summarize(feature === 'pitch_class_histogram' ? [entropy[1], entropy[1]] : [1]),
    generatedValue: summarize(feature === 'pitch_class_histogram' ? [entropy[0], entropy[0]] : [1]),
  }));
  return {
    model,
    style,
    reference: { description: 'fake', pieces: 4, excerpts: 4, available: 4, bars: 16 },
    generated: { pieces: 4, empty: 0, seeds: [1, 4] },
    features,
  };
}

describe('repetition rows', () => {
  it('summarises the measured pieces and checks the ratio against 20 %', () => {
    const generated = repetitionSet([rep(0.5, 0.2), rep(0.7, 0.4), undefined]);
    expect(generated.pieces).toBe(3);
    expect(generated.measured).toBe(2);
    expect(generated.score.mean).toBeCloseTo(0.6, 12);
    expect(generated.exactShare.mean).toBeCloseTo(0.3, 12);
    const heldOut = repetitionSet([rep(0.7), rep(0.7)]);
    const within = repetitionRow('m', 'folk', generated, heldOut);
    expect(within.ratio).toBeCloseTo(0.6 / 0.7, 12);
    expect(within.within).toBe(true);
    const below = repetitionRow('m', 'folk', repetitionSet([rep(0.5)]), heldOut);
    expect(below.within).toBe(false); // 0.71
    expect(repetitionRow('m', 'folk', repetitionSet([rep(0.84)]), heldOut).within).toBe(true); // 1.2
    expect(repetitionRow('m', 'folk', repetitionSet([rep(0.85)]), heldOut).within).toBe(false); // 1.21
    expect(repetitionRow('m', 'folk', repetitionSet([]), heldOut).within).toBe(false); // nothing measured: NaN ratio
  });
});

describe('form repetition rows', () => {
  it('says whether the form pieces are nearer held-out than the free ones', () => {
    const heldOut = repetitionSet([rep(0.6), rep(0.6)]);
    const nearer = formRepetitionRow('m', 'folk', 'AABA', repetitionSet([rep(0.2)]), repetitionSet([rep(0.5), rep(0.7)]), heldOut);
    expect(nearer.freeGap).toBeCloseTo(0.4, 12);
    expect(nearer.formGap).toBeCloseTo(0, 12);
    expect(nearer.closer).toBe(true);
    // Overshooting by more than the free pieces fall short is not nearer.
    expect(formRepetitionRow('m', 'folk', 'AABA', repetitionSet([rep(0.5)]), repetitionSet([rep(0.75)]), heldOut).closer).toBe(false);
  });
});

describe('degenerate counts', () => {
  it('counts flagged pieces per rule, per row and in total', () => {
    const a = degenerateRow(
      'm',
      'folk',
      [
        { seed: 1, reasons: [] },
        {
          seed: 2,
          reasons: [
            { rule: 'one-pitch', detail: '95 % of 20 notes are pitch 60' },
            { rule: 'silence', detail: '60 % of 64 beats silent' },
          ],
        },
        { seed: 3, reasons: [{ rule: 'silence', detail: '70 % of 64 beats silent' }] },
      ],
      heldOutCheck([[], [{ rule: 'empty-track', detail: 'track 2 of 2 without notes' }], []]),
    );
    expect(a.count).toBe(2);
    expect(a.pieces).toBe(3);
    expect(a.reasons).toEqual({ 'no-notes': 0, 'one-pitch': 1, 'empty-track': 0, silence: 2 });
    expect(a.flagged.map((p) => p.seed)).toEqual([2, 3]);
    expect(a.heldOut).toEqual({ pieces: 3, count: 1, reasons: { 'no-notes': 0, 'one-pitch': 0, 'empty-track': 1, silence: 0 } });
    const b = degenerateRow('m', 'game', [{ seed: 9, reasons: [] }], clean(5));
    const total = degenerateTotal([a, b]);
    expect(total).toMatchObject({ count: 2, pieces: 4, reasons: { silence: 2, 'one-pitch': 1 } });
  });
});

/** A fake report: folk and game for one model, and a classical section for a second. */
function fakeReport(): ModelReport {
  const overlaps = [
    section('m', 'folk', 0.9, [2.78, 2.73], 0.8), // one overlap below 0.85; entropy 0.05 bit apart
    section('m', 'game', 0.8, [3.3, 3.0]), // all ≥ 0.75, the game goal
    section('b', 'classical', 0.95, [3.2, 2.99]),
  ];
  const heldOut = repetitionSet([rep(0.5), rep(0.5)]);
  const repetition: RepetitionRow[] = [
    repetitionRow('m', 'folk', repetitionSet([rep(0.45, 0.25)]), heldOut),
    repetitionRow('m', 'game', repetitionSet([rep(0.2)]), heldOut),
    repetitionRow('b', 'classical', repetitionSet([rep(0.55)]), heldOut),
  ];
  const rows = [
    degenerateRow('m', 'folk', [{ seed: 11, reasons: [] }], clean(2)),
    degenerateRow(
      'm',
      'game',
      [{ seed: 21, reasons: [{ rule: 'empty-track', detail: 'track 2 of 2 without notes' }] }],
      heldOutCheck([[], [{ rule: 'silence', detail: '60 % of 64 beats silent' }]]),
    ),
    degenerateRow('b', 'classical', [{ seed: 31, reasons: [] }], clean(2)),
  ];
  return {
    models: [],
    uncoveredStyles: [],
    likelihood: [],
    generation: { bars: 16, bpm: 120, timeSignature: '4/4', tracks: 2, temperature: '1', topK: 'off', topP: '1', seed: 1 },
    overlaps,
    repetition,
    form: [formRepetitionRow('m', 'folk', 'AABA', repetitionSet([rep(0.45, 0.25)]), repetitionSet([rep(0.52, 0.4), rep(0.6, 0.5)]), heldOut)],
    degenerate: degenerateTotal(rows),
    targets: issueTargets({ overlaps, repetition, degenerate: { rows } }),
    samples: [],
    sampleFailures: [],
    options: { models: ['m', 'b'], pieces: 1, referencePieces: 2, samples: 0, seed: 1, bandwidth: 'scott' },
  };
}

describe('issue #13 targets', () => {
  const report = fakeReport();
  const verdict = (model: string, style: Style, target: string) => report.targets.find((t) => t.model === model && t.style === style && t.target === target);

  it('holds classical and folk to 0.85 and game to 0.75 on every overlap', () => {
    expect(verdict('m', 'folk', 'overlap')).toMatchObject({ met: false, value: 0.8, measured: '5 of 6 met; lowest pitch_range 0.800' });
    expect(verdict('m', 'game', 'overlap')).toMatchObject({ met: true, goal: 'every overlap ≥ 0.75' });
    expect(verdict('b', 'classical', 'overlap')?.met).toBe(true);
  });

  it('holds folk pitch-class entropy within 0.1 bit and shows the other styles without a verdict', () => {
    expect(verdict('m', 'folk', 'pitch-class entropy')).toMatchObject({ met: true, measured: '2.78 vs 2.73 bits (+0.05)' });
    expect(verdict('m', 'folk', 'pitch-class entropy')!.value).toBeCloseTo(0.05, 12);
    expect(verdict('b', 'classical', 'pitch-class entropy')?.met).toBeNull();
    const far = issueTargets({ overlaps: [section('m', 'folk', 0.9, [3.1, 2.73])], repetition: [], degenerate: { rows: [] } });
    expect(far.find((t) => t.target === 'pitch-class entropy')?.met).toBe(false);
  });

  it("judges the bundled models' frame NLL goals and skips other models and data", () => {
    const rows = issueTargets({
      overlaps: [],
      repetition: [],
      degenerate: { rows: [] },
      likelihood: [
        { model: 'jsb-bench', style: 'classical', data: 'jsb-frames', frameNll: 5.39 },
        { model: 'rhythmix-base', style: 'folk', data: 'nottingham', frameNll: 4.5 },
        { model: 'rhythmix-base', style: 'game', data: 'game', frameNll: 66.1 },
        { model: 'my-model', style: 'folk', data: 'nottingham', frameNll: 1 },
      ],
    });
    expect(rows.map((r) => [r.model, r.goal, r.met])).toEqual([
      ['jsb-bench', 'jsb-frames frame NLL ≤ 5', false],
      ['rhythmix-base', 'nottingham frame NLL ≤ 4.6', true],
      ['rhythmix-base', 'game frame NLL ≤ 55', false],
    ]);
  });

  it('checks repetition within 20 % and no degenerate piece', () => {
    expect(verdict('m', 'folk', 'repetition')).toMatchObject({ met: true, measured: '0.450 vs 0.500 (ratio 0.90)' });
    expect(verdict('m', 'game', 'repetition')?.met).toBe(false);
    expect(verdict('m', 'folk', 'degenerate')).toMatchObject({ met: true, value: 0, measured: '0 of 1' });
    expect(verdict('m', 'game', 'degenerate')).toMatchObject({ met: false, value: 1 });
    expect(report.targets.map((t) => `${t.model}/${t.style}/${t.target}`).slice(0, 4)).toEqual([
      'm/folk/overlap',
      'm/folk/pitch-class entropy',
      'm/folk/repetition',
      'm/folk/degenerate',
    ]);
  });

  it('writes the targets, repetition and degenerate sections into the Markdown', () => {
    const markdown = reportMarkdown(report, { command: 'rhythmix report (test)', reportDir: '/tmp' });
    // Judged: 3 overlap + 1 entropy (folk) + 3 repetition + 3 degenerate = 10; met: game + classical overlap, folk entropy,
    // folk + classical repetition, folk + classical degenerate = 7.
    expect(markdown).toContain('## Targets (issue #13)');
    expect(markdown).toContain('Met: **7 of 10**');
    expect(markdown).toContain('| m | folk | overlap | every overlap ≥ 0.85 | 5 of 6 met; lowest pitch_range 0.800 | ❌ |');
    expect(markdown).toContain('| m | game | overlap | every overlap ≥ 0.75 | 6 of 6 met; lowest pitch_class_histogram 0.800 | ✅ |');
    expect(markdown).toContain('| m | folk | pitch-class entropy | within 0.1 bit of held-out | 2.78 vs 2.73 bits (+0.05) | ✅ |');
    expect(markdown).toContain('| b | classical | pitch-class entropy | no target (shown for information) | 3.20 vs 2.99 bits (+0.21) | — |');
    expect(markdown).toContain('| m | game | repetition | within 20 % of held-out | 0.200 vs 0.500 (ratio 0.40) | ❌ |');
    expect(markdown).toContain('| m | game | degenerate | no degenerate piece | 1 of 1 | ❌ |');
    // The overlap table of a game section uses the game goal.
    expect(markdown).toMatch(/### game — m\n\n.*\n\n\| feature .*\| ≥ 0\.75 \|/);
    expect(markdown).toContain('## Structure: repetition and degenerate pieces');
    expect(markdown).toContain('| m | folk | 1 of 1 | 2 of 2 | **0.450 ± 0.000** | **0.500 ± 0.000** | 0.90 | ✅ | 0.25 ± 0.00 | 0.00 ± 0.00 |');
    expect(markdown).toContain('**1 of 3** generated pieces are degenerate (goal 0)');
    expect(markdown).toContain('| m | game | 1 | **1** | 0 | 0 | 1 | 0 | 1 of 2 (silence 1) |');
    expect(markdown).toContain('| m | folk | 1 | **0** | 0 | 0 | 0 | 0 | 0 of 2 |');
    expect(markdown).toContain('| **total** | | 3 | **1** | 0 | 0 | 1 | 0 | |');
    expect(markdown).toContain('- m, game, seed 21: empty-track (track 2 of 2 without notes)');
    expect(markdown).toContain('Bar repetition per piece (`src/music/repetition.ts`)');
    expect(markdown).toContain('### Bar repetition of pieces composed in a form');
    expect(markdown).toContain('| m | folk | AABA | 2 of 2 | 0.450 ± 0.000 | **0.560 ± 0.057** | 0.500 ± 0.000 | 0.050 | **0.060** | ❌ | 0.45 ± 0.07 |');
  });
});
