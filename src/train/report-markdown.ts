/**
 * docs/model-report.md from the collected numbers (report.ts). Generated, never edited by hand:
 * everything here is a function of the report data, except the one line with the date and the
 * run's duration.
 */
import path from 'node:path';
import { FEATURE_DESCRIPTIONS, NOTE_LENGTH_CLASSES } from '../music/features.js';
import { STYLES } from '../music/styles.js';
import { f, mark, pm } from './markdown-format.js';
import { HELD_OUT, JSB_GOAL, JSB_LIMIT, JSB_YARDSTICKS, type LikelihoodRow, type ModelReport } from './report.js';
import { structureMethod, structureSection, targetsSection } from './report-structure-markdown.js';
import { originalityMethod, originalitySection } from './report-originality-markdown.js';
import { harmonizeMethod, harmonizeSection } from './report-harmonize-markdown.js';
import { OVERLAP_GOALS } from './targets.js';

export interface MarkdownContext {
  /** The command line that produced the report. */
  command: string;
  /** Folder of the report file: links are relative to it. */
  reportDir: string;
  /** Run facts that change between runs (date, duration). */
  runLine?: string;
}

function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds >= 3600) return `${(seconds / 3600).toFixed(1)} h`;
  if (seconds >= 60) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds)} s`;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

function link(context: MarkdownContext, file: string): string {
  return path.relative(context.reportDir, file).split(path.sep).join('/');
}

function jsbVerdict(nll: number): string {
  const goal = nll <= JSB_GOAL ? `meets the goal ≤ ${JSB_GOAL}` : `${f(nll - JSB_GOAL, 2)} above the goal ${JSB_GOAL}`;
  const limit = nll <= JSB_LIMIT ? `within the limit ≤ ${JSB_LIMIT}` : `ABOVE the limit ${JSB_LIMIT}`;
  return `${goal}, ${limit}`;
}

/** JSB test rows: the chorales read either way (datasetSpecForModel). */
const isJsb = (data: string): boolean => data === 'jsb' || data === 'jsb-frames';

/**
 * The goal and limit are for a benchmark model (trained on classical alone, like jsb-bench); a
 * multi-style model's JSB figure is shown without a verdict.
 */
function verdictFor(report: ModelReport, row: LikelihoodRow): string {
  if (!isJsb(row.data)) return '';
  const styles = report.models.find((m) => m.label === row.model)?.styles ?? [];
  return styles.length === 1 ? ` — ${jsbVerdict(row.result.frame_nll)}` : ' (a multi-style model: the JSB goal is for the benchmark model)';
}

function summarySection(report: ModelReport): string[] {
  const lines = ['## Summary', ''];
  for (const row of report.likelihood) {
    const spec = HELD_OUT[row.style];
    const verdict = verdictFor(report, row);
    lines.push(`- **${row.model}**, ${spec.description}: frame NLL **${f(row.result.frame_nll)}** nats per quarter-note frame${verdict}.`);
  }
  for (const section of report.overlaps) {
    const goal = OVERLAP_GOALS[section.style];
    const met = section.features.filter((r) => r.overlap >= goal).length;
    const lowest = section.features.reduce((a, b) => (Number.isNaN(b.overlap) || b.overlap < a.overlap ? b : a));
    lines.push(
      `- **${section.model}**, ${section.style}: overlap ≥ ${goal} on ${met} of ${section.features.length} features ` +
        `(lowest: ${lowest.feature} ${f(lowest.overlap)}).`,
    );
  }
  for (const style of report.uncoveredStyles) {
    lines.push(
      `- **${style}**: not measured — no model in this report (\`--models ${report.options.models.join(',')}\`) was trained on it. ` +
        `The ${HELD_OUT[style].description} numbers need \`rhythmix-base\`.`,
    );
  }
  return [...lines, ''];
}

function likelihoodSection(report: ModelReport): string[] {
  const lines = [
    '## Likelihood on held-out music',
    '',
    "Frame NLL: each piece's summed token NLL (full context, end token included) divided by its length in quarter-note frames, " +
      'over the whole split (`evaluateModelOnDataset`, the same numbers as `rhythmix eval --model M --data D --split S --json`). ' +
      'Each prediction is renormalised over the tokens the grammar allows — the distribution `compose` samples from at temperature 1; ' +
      'the raw-softmax figure is shown beside it. "read as" is how the chorales\' piano roll became notes for the model: `jsb` merges ' +
      'a pitch held over frames into one note, `jsb-frames` writes one note per sounding pitch per frame (docs/engine.md, Evaluation).',
    '',
    '| model | held-out set | read as | pieces | frames | tokens | frame NLL (nats/frame) | raw softmax | token NLL (nats/token) | skipped |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of report.likelihood) {
    const r = row.result;
    lines.push(
      `| ${row.model} | ${HELD_OUT[row.style].description} | ${row.data} | ${r.pieces} | ${r.frames} | ${r.tokens} | ${f(r.frame_nll, 4)} | ` +
        `${f(r.unmasked_frame_nll, 4)} | ${f(r.token_nll, 4)} | ${r.skipped.length} |`,
    );
  }
  const jsb = report.likelihood.filter((r) => isJsb(r.data));
  lines.push('', `JSB chorales test split, frame NLL (lower is better); goal ≤ ${JSB_GOAL} (better than RNN-NADE), limit ≤ ${JSB_LIMIT}:`, '');
  lines.push('| model | frame NLL | source |', '| --- | ---: | --- |');
  for (const y of JSB_YARDSTICKS) lines.push(`| ${y.model} | ${f(y.frameNll, 2)} | ${y.source} |`);
  for (const row of jsb)
    lines.push(`| **${row.model}** (Rhythmix) | **${f(row.result.frame_nll, 2)}** | this report${verdictFor(report, row).replace(' — ', ': ')} |`);
  if (jsb.length === 0) lines.push('| — | — | no model in this report covers the classical style |');
  lines.push(
    '',
    'Our figure is exact where the token encoding is a bijection with the frames and an upper bound where several token ' +
      'sequences decode to the same frames (docs/engine.md, Evaluation).',
    '',
  );
  return lines;
}

function overlapSection(report: ModelReport): string[] {
  const g = report.generation;
  const lines = [
    '## Generated vs held-out music (mgeval)',
    '',
    `Generation: the \`compose\` defaults — no seed, ${g.bars} bars of ${g.timeSignature} at ${g.bpm} BPM, ${g.tracks} instruments ` +
      `(only their names; the model decides the texture), temperature ${g.temperature}, top-k ${g.topK}, top-p ${g.topP}, ` +
      `grammar mask on; ${report.options.pieces} pieces per style with sampling seeds derived from \`--seed ${g.seed}\` ` +
      '(`pieceSeed` in src/train/report.ts).',
    `Reference: the held-out split of each style, quantised to the 16th grid, cut into excerpts of ${g.bars} bars (each piece's ` +
      `first ${g.bars} bars, and each later ${g.bars}-bar window it fills), at most ${report.options.referencePieces} excerpts spread evenly over the split.`,
    `Overlap (OA) of the reference set's intra-set distance density with the generated-to-reference inter-set distance density; ` +
      `goal on every feature ≥ ${Object.entries(OVERLAP_GOALS)
        .map(([style, goal]) => `${goal} (${style})`)
        .join(', ')}. Method below.`,
    '',
  ];
  for (const section of report.overlaps) {
    const goal = OVERLAP_GOALS[section.style];
    lines.push(
      `### ${section.style} — ${section.model}`,
      '',
      `${section.generated.pieces} generated pieces (${section.generated.empty} without notes; seeds ${section.generated.seeds[0]}…${section.generated.seeds[1]}) ` +
        `against ${section.reference.excerpts} of the ${section.reference.available} excerpts of ${section.reference.pieces} pieces (${section.reference.description}).`,
      '',
      `| feature | OA | OA (mgeval range) | KL(intra ‖ inter) | intra-set distance | inter-set distance | generated intra-set | reference value¹ | generated value¹ | ≥ ${goal} |`,
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |',
    );
    for (const row of section.features) {
      lines.push(
        `| ${row.feature} | **${f(row.overlap)}** | ${f(row.overlapDataRange)} | ${f(row.kl)} | ${pm(row.intra)} | ${pm(row.inter)} | ` +
          `${pm(row.generatedIntra)} | ${pm(row.referenceValue)} | ${pm(row.generatedValue)} | ${mark(row.overlap >= goal)} |`,
      );
    }
    lines.push('');
  }
  if (report.overlaps.length > 0) {
    lines.push(
      'Distances and values: mean ± sd. ¹ The feature itself for the scalars; for the two histograms the entropy of the histogram in bits ' +
        '(higher = notes spread over more pitch classes or length classes).',
      '',
    );
  }
  if (report.overlaps.length === 0) lines.push('No model in this report was measured.', '');
  return lines;
}

function modelsSection(report: ModelReport): string[] {
  const lines = [
    '## Models',
    '',
    '| model | card name | styles | parameters | files | embedding · layers | epochs | training time | valid token NLL | training data |',
    '| --- | --- | --- | ---: | ---: | --- | ---: | ---: | ---: | --- |',
  ];
  for (const m of report.models) {
    const data = m.trainingPieces === null ? '—' : `${m.trainingPieces} pieces${m.trainingTokens === null ? '' : `, ${m.trainingTokens} tokens`}`;
    lines.push(
      `| ${m.label} | ${m.cardName ?? '—'} | ${m.styles.join(', ')} | ${m.parameters.toLocaleString('en-US')} | ${megabytes(m.bytes)} | ` +
        `${m.embedding} · ${m.layers.join('×')} ${m.cell.toUpperCase()} | ${m.epochs ?? '—'} | ${duration(m.trainingSeconds)} | ${m.validationNll === null ? '—' : f(m.validationNll, 4)} | ${data} |`,
    );
  }
  lines.push(
    '',
    "From each model's `card.json`; files = model.json + weights.bin + vocabulary.json + card.json. Epochs and valid NLL are the last " +
      "stage's; training time adds up every stage of a two-stage preset (`stages` in the card).",
    '',
  );
  return lines;
}

function samplesSection(report: ModelReport, context: MarkdownContext): string[] {
  const lines = ['## Example pieces', ''];
  const failures = report.sampleFailures.map((s) => `- **${s.model}**, ${s.style}, seed ${s.seed}: could not be rendered (${s.error}).`);
  if (report.samples.length === 0) {
    return [...lines, report.sampleFailures.length === 0 ? 'None rendered in this run (`--samples` off).' : 'None could be rendered:', '', ...failures, ''];
  }
  lines.push('The first generated pieces of each style above (same seeds), written by the `compose` pipeline: MIDI, Ogg/Opus and the piano roll.', '');
  for (const style of STYLES) {
    const own = report.samples.filter((s) => s.style === style);
    if (own.length === 0) continue;
    lines.push(`### ${style}`, '');
    for (const s of own) {
      lines.push(
        `- **${s.model}**, seed ${s.seed}: ${s.bars} bars, ${s.notes} notes, ${f(s.seconds, 1)} s — ` +
          `[MIDI](${link(context, s.midi)}) · [Ogg](${link(context, s.audio)}) · [piano roll](${link(context, s.image)})`,
        '',
        `  ![${s.model} ${style} seed ${s.seed}](${link(context, s.image)})`,
        '',
      );
    }
  }
  if (failures.length > 0) lines.push('Not rendered:', '', ...failures, '');
  return lines;
}

function methodSection(report: ModelReport): string[] {
  const classes = NOTE_LENGTH_CLASSES.map((c) => (Number.isInteger(c) ? String(c) : c.toFixed(3))).join(', ');
  return [
    '## Method',
    '',
    'Features per piece (Yang & Lerch, "On the evaluation of generative models in music", 2018; `src/music/features.ts`), on the ' +
      'pitched notes (drums left out), time in quarter notes (the data sets and generated pieces carry unrelated fixed tempi):',
    '',
    ...Object.entries(FEATURE_DESCRIPTIONS).map(([name, text]) => `- \`${name}\`: ${text}.`),
    '',
    `Note-length classes in quarter notes: ${classes}. A piece without the notes a feature needs (none, or one onset) is left out of that feature.`,
    '',
    'Comparison per feature (`src/train/mgeval.ts`):',
    '',
    '1. Distance between two pieces: the Euclidean norm of the difference of their feature values — for the two histograms over 12 ' +
      'bins, the absolute difference for the four scalars.',
    "2. Intra-set distances: every reference excerpt against every other one (n·(n−1) values, as mgeval's leave-one-out); " +
      'inter-set distances: every generated piece against every reference excerpt (n·m values).',
    `3. A Gaussian kernel density estimate of each set of distances, bandwidth by ${report.options.bandwidth === 'scott' ? 'Scott' : 'Silverman'}'s rule ` +
      "(sample standard deviation × n^(−1/5), scipy's `gaussian_kde` default; at least 1/200 of the distances' range).",
    '4. Overlap area OA = ∫ min(p_intra, p_inter) dx by the trapezoid rule over the whole support (the data range ± 6 bandwidths). ' +
      "mgeval integrates only from the smallest to the largest distance, cutting off the kernels' tails — distances pile up near 0, " +
      'so that loses several percent even for identical sets; that figure is the "OA (mgeval range)" column. ' +
      'KL(intra ‖ inter) in nats, both densities evaluated on ' +
      'the same grid and normalised (mgeval evaluates each on its own range).',
    '',
    'OA near 1 means generated pieces are as far from the held-out pieces as those are from each other; a low OA with a small ' +
      '"generated intra-set" distance means the model repeats itself, with a large one that it is more erratic than the music.',
    '',
    ...structureMethod(),
    ...originalityMethod(),
    ...harmonizeMethod(),
  ];
}

export function reportMarkdown(report: ModelReport, context: MarkdownContext): string {
  const lines = [
    '# Rhythmix model report',
    '',
    `Generated by \`${context.command}\` — do not edit by hand; rerun the command.`,
    ...(context.runLine ? ['', context.runLine] : []),
    '',
    ...summarySection(report),
    ...targetsSection(report),
    ...likelihoodSection(report),
    ...overlapSection(report),
    ...structureSection(report),
    ...originalitySection(report),
    ...harmonizeSection(report),
    ...modelsSection(report),
    ...samplesSection(report, context),
    ...methodSection(report),
  ];
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
