import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetsRoot } from '../../src/datasets/paths.js';
import { FEATURE_NAMES } from '../../src/music/features.js';
import { loadModel } from '../../src/model/model-files.js';
import { evaluateModelOnDataset } from '../../src/train/evaluate-dataset.js';
import { collectReport } from '../../src/app/report.js';
import { entropyBits, excerpts, heldOutDataset, spread, type ModelReport } from '../../src/train/report.js';
import { createPiece } from '../../src/music/piece.js';
import { loadTestChorales, referenceClash } from '../../src/train/harmonize-clash.js';
import { isCliBuilt, runCli } from './run-cli.js';
import { saveTinyModel } from '../compose/tiny-model.js';

const haveData = existsSync(path.join(datasetsRoot(), 'jsb-chorales')) && existsSync(path.join(datasetsRoot(), 'nottingham', 'valid'));
const built = isCliBuilt('render');

type ReportJson = ModelReport & { out: string; seconds: number };

/** A tiny untrained model (classical and folk) whose numbers come from the evaluators like any other's. */
const tinyModel = (dir: string): Promise<void> =>
  saveTinyModel(dir, 'tiny-report', {
    card: {
      data: { source: 'test', pieces: 3, tokens: 300, styles: ['classical', 'folk'], stepsPerQuarter: 4 },
      epochs: 1,
      validationNll: 5.5,
      trainingSeconds: 12,
    },
  });

describe('report helpers', () => {
  it('cuts reference pieces into excerpts of the generation length', () => {
    const notes = Array.from({ length: 40 }, (_, bar) => ({ pitch: 60, start: bar * 4, duration: 4, velocity: 80 }));
    const piece = createPiece([{ name: 'm', program: 0, isDrum: false, notes }]);
    const cut = excerpts(piece, 16); // 40 bars → bars 1–16, 17–32; 33–40 is not a full window
    expect(cut.map((p) => p.tracks[0]!.notes.length)).toEqual([16, 16]);
    expect(cut[1]!.tracks[0]!.notes[0]!.start).toBe(0);
    const short = createPiece([{ name: 'm', program: 0, isDrum: false, notes: notes.slice(0, 5) }]);
    expect(excerpts(short, 16)).toHaveLength(1); // a short piece is its own excerpt
  });

  it('spreads a cap evenly and measures histogram entropy in bits', () => {
    expect(spread([0, 1, 2, 3, 4, 5, 6, 7], 4)).toEqual([0, 2, 4, 6]);
    expect(spread([1, 2], 4)).toEqual([1, 2]);
    expect(entropyBits([0.5, 0.5, 0, 0])).toBe(1);
    expect(entropyBits([1, 0])).toBe(0);
  });
});

describe.skipIf(!built || !haveData)('rhythmix report (CLI)', () => {
  let dir: string;
  let modelDir: string;
  let first: ReportJson;
  let markdown: string;
  const reportFile = () => path.join(dir, 'docs', 'model-report.md');
  const common = () => ['report', '--models', modelDir, '--pieces', '4', '--reference-pieces', '6', '--seed', '3', '--json'];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rhythmix-report-'));
    modelDir = path.join(dir, 'tiny-report');
    await tinyModel(modelDir);
    const result = runCli([...common(), '--examples', '1', '--samples', path.join(dir, 'docs', 'samples'), '--out', reportFile()], 300_000);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.status).toBe(0);
    first = JSON.parse(result.stdout) as ReportJson;
    markdown = readFileSync(reportFile(), 'utf8');
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports the likelihood the evaluator returns on each held-out split the model covers', async () => {
    expect(first.likelihood.map((r) => `${r.data}/${r.split}`)).toEqual(['jsb/test', 'nottingham/valid']);
    const model = await loadModel(modelDir);
    for (const row of first.likelihood) {
      const expected = await evaluateModelOnDataset(model, await heldOutDataset(row.style, undefined, model));
      expect(row.result.frame_nll).toBeCloseTo(expected.frame_nll, 9);
      expect(row.result.pieces).toBe(expected.pieces);
      expect(row.result.grammar_masked).toBe(true);
      expect(markdown).toContain(`| ${expected.frame_nll.toFixed(4)} | ${expected.unmasked_frame_nll.toFixed(4)} | ${expected.token_nll.toFixed(4)} |`);
    }
    expect(first.likelihood[0]!.result.pieces).toBe(77); // the whole JSB test split
    expect(markdown).toMatch(/\| RNN-NADE \| 5\.56 \| Boulanger-Lewandowski et al\. 2012 \|/);
    expect(markdown).toContain(`**tiny-report** (Rhythmix) | **${first.likelihood[0]!.result.frame_nll.toFixed(2)}**`);
    // Two styles: its JSB figure is reported without the benchmark's goal verdict.
    expect(markdown).toContain('(a multi-style model: the JSB goal is for the benchmark model)');
    expect(markdown).not.toMatch(/tiny-report.*(meets the goal|ABOVE the limit)/);
  });

  it('writes one overlap table per covered style with all six features, and notes the missing style', () => {
    expect(first.overlaps.map((o) => o.style)).toEqual(['classical', 'folk']);
    for (const section of first.overlaps) {
      expect(section.generated.pieces).toBe(4);
      expect(section.reference.excerpts).toBe(6);
      expect(section.features.map((r) => r.feature)).toEqual([...FEATURE_NAMES]);
      expect(markdown).toContain(`### ${section.style} — tiny-report`);
      for (const row of section.features) {
        expect(row.overlap).toBeGreaterThanOrEqual(0);
        expect(row.overlap).toBeLessThanOrEqual(1);
        expect(markdown).toContain(`| ${row.feature} | **${row.overlap.toFixed(3)}** | ${row.overlapDataRange.toFixed(3)} | ${row.kl.toFixed(3)} |`);
      }
    }
    expect(first.uncoveredStyles).toEqual(['game']);
    expect(markdown).toMatch(/\*\*game\*\*: not measured — no model in this report/);
    expect(markdown).toMatch(/temperature 1 \(engine default\), top-k off/);
    for (const heading of [
      '## Summary',
      '## Likelihood on held-out music',
      '## Generated vs held-out music (mgeval)',
      '## Models',
      '## Example pieces',
      '## Method',
    ]) {
      expect(markdown).toContain(heading);
    }
    expect(markdown).toMatch(/\| tiny-report \| tiny-report \| classical, folk \| [\d,]+ \| [\d.]+ MB \| 8 · 16 LSTM \| 1 \| 12 s \| 5\.5000 \|/);
  });

  it('measures bar repetition and degenerate pieces, and checks the issue #13 targets', () => {
    expect(first.repetition.map((r) => r.style)).toEqual(['classical', 'folk']);
    for (const r of first.repetition) {
      expect(r.generated.pieces).toBe(4);
      expect(r.held_out.pieces).toBe(6);
      expect(r.held_out.measured).toBeGreaterThan(0);
      expect(r.held_out.score.mean).toBeGreaterThan(0);
      expect(r.held_out.score.mean).toBeLessThanOrEqual(1);
      expect(markdown).toContain(`| tiny-report | ${r.style} | ${r.generated.measured} of 4 | ${r.held_out.measured} of 6 |`);
    }
    expect(first.degenerate.pieces).toBe(8);
    expect(first.degenerate.rows.map((r) => [r.style, r.pieces])).toEqual([
      ['classical', 4],
      ['folk', 4],
    ]);
    expect(first.degenerate.count).toBe(first.degenerate.rows.reduce((sum, r) => sum + r.flagged.length, 0));
    expect(markdown).toContain(`**${first.degenerate.count} of 8** generated pieces are degenerate`);
    expect(first.targets.map((t) => `${t.style} ${t.target}`)).toEqual([
      'classical overlap',
      'classical pitch-class entropy',
      'classical repetition',
      'classical degenerate',
      'folk overlap',
      'folk pitch-class entropy',
      'folk repetition',
      'folk degenerate',
    ]);
    expect(markdown).toContain('## Targets (issue #13)');
    expect(markdown).toContain('## Structure: repetition and degenerate pieces');
  });

  it('measures the repetition of pieces composed in a form beside the free ones and held-out', () => {
    expect(first.form.map((r) => [r.style, r.form])).toEqual([
      ['classical', 'AABA'],
      ['folk', 'AABA'],
    ]);
    for (const r of first.form) {
      const free = first.repetition.find((x) => x.style === r.style)!;
      expect(r.free).toEqual(free.generated);
      expect(r.held_out).toEqual(free.held_out);
      expect(r.formed.pieces).toBe(4);
      // Two of every four sections restated note for note: at least their bars repeat exactly.
      expect(r.formed.exactShare.mean).toBeGreaterThan(free.generated.exactShare.mean);
      expect(r.formGap).toBeCloseTo(Math.abs(r.formed.score.mean - r.held_out.score.mean), 12);
      expect(markdown).toContain(`| tiny-report | ${r.style} | AABA | ${r.formed.measured} of 4 | `);
    }
    expect(markdown).toContain('### Bar repetition of pieces composed in a form');
  });

  it('reports originality as unknown for a model without an index, per style', () => {
    expect(first.originality?.map((r) => [r.style, r.generated])).toEqual([
      ['classical', null],
      ['folk', null],
    ]);
    expect(markdown).toContain('## Originality: longest phrase shared with the training data');
    expect(markdown).toMatch(/\| tiny-report \| folk \| generated \| the model .* has no originality index/);
  });

  it('harmonizes the JSB test sopranos and measures their clashes on strong beats beside Bach and chance', async () => {
    const chorales = spread(await loadTestChorales(datasetsRoot()), 6); // as many melodies as --reference-pieces
    const reference = referenceClash(chorales);
    expect(reference.bach.rate).toBeLessThan(reference.chance.rate); // Bach listens to his sopranos
    expect(first.harmonize?.map((r) => [r.style, r.takes])).toEqual([
      ['classical', 6],
      ['folk', 6],
    ]);
    for (const row of first.harmonize ?? []) {
      expect(row.bach).toEqual(reference.bach);
      expect(row.chance).toEqual(reference.chance);
      expect(row.harmonized.notes).toBeGreaterThan(0);
      expect(row.harmonized.rate).toBeCloseTo(row.harmonized.clashes / row.harmonized.notes, 12);
      expect(row.melodyKept).toBe(6); // the melody is forced into track 0, even by an untrained model
      const percent = (c: { rate: number; clashes: number; notes: number }) => `${(100 * c.rate).toFixed(1)} % (${c.clashes}/${c.notes})`;
      expect(markdown).toContain(`| tiny-report | ${row.style} | 6 | **${percent(row.harmonized)}** | ${percent(row.bach)} | ${percent(row.chance)} | 6/6 |`);
    }
    expect(markdown).toContain('## Harmonization: clashes with the melody');
  });

  it('renders example pieces with the compose pipeline and links them from the report', () => {
    expect(first.samples.map((s) => s.style)).toEqual(['classical', 'folk']);
    for (const sample of first.samples) {
      for (const file of [sample.midi, sample.audio, sample.image]) {
        expect(existsSync(file)).toBe(true);
        const relative = path.relative(path.dirname(reportFile()), file).split(path.sep).join('/');
        expect(markdown).toContain(`(${relative})`);
      }
      expect(sample.seed).toBe(first.overlaps.find((o) => o.style === sample.style)!.generated.seeds[0]);
    }
  });

  it('is deterministic for a seed and changes with it', async () => {
    const options = { models: [modelDir], pieces: 4, referencePieces: 6, samples: 0 };
    const same = await collectReport({ ...options, seed: 3 });
    expect(same.overlaps).toEqual(first.overlaps);
    expect(same.likelihood).toEqual(first.likelihood);
    // Through JSON, as `first` came: a set without measured pieces has NaN means, null there.
    expect(JSON.parse(JSON.stringify({ r: same.repetition, d: same.degenerate, t: same.targets, h: same.harmonize }))).toEqual({
      r: first.repetition,
      d: first.degenerate,
      t: first.targets,
      h: first.harmonize,
    });
    const other = await collectReport({ ...options, seed: 4 });
    expect(other.overlaps[0]!.generated.seeds).not.toEqual(first.overlaps[0]!.generated.seeds);
    expect(other.overlaps.map((o) => o.features.map((r) => r.inter.mean))).not.toEqual(first.overlaps.map((o) => o.features.map((r) => r.inter.mean)));
  }, 300_000);

  it('names a missing model and writes nothing', () => {
    const out = path.join(dir, 'missing.md');
    const result = runCli(['report', '--models', `${modelDir},no-such-model-xyz`, '--no-samples', '--out', out]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^rhythmix: model missing: no-such-model-xyz \(.*model\.json does not exist\)/m);
    expect(result.stderr).toContain(`--models ${modelDir}`);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects bad options with exit code 2', () => {
    const result = runCli(['report', '--models', modelDir, '--pieces', '1', '--out', path.join(dir, 'bad.md')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('rhythmix: --pieces: must be a whole number ≥ 2 (got 1)');
  });
});
