/**
 * The report's issue #13 sections (report-markdown.ts puts them in place): the targets table,
 * bar repetition and degenerate pieces, and their method paragraphs.
 */
import { DEGENERATE_RULES, ONE_PITCH_SHARE, SILENCE_SHARE } from '../music/degenerate.js';
import { MAX_TRANSPOSITION } from '../music/repetition.js';
import { f, mark, pm } from './markdown-format.js';
import type { ModelReport } from './report.js';
import { REPETITION_TOLERANCE, type HeldOutCheck } from './structure.js';
import { ENTROPY_GAP_GOALS, FRAME_NLL_GOALS, OVERLAP_GOALS } from './targets.js';

type StructureReport = Pick<ModelReport, 'targets' | 'repetition' | 'degenerate' | 'form'>;

/** Flagged pieces listed per (model, style); the rest are counted. */
const LISTED_PIECES = 10;

const tolerance = `${Math.round(REPETITION_TOLERANCE * 100)} %`;

export function targetsSection(report: StructureReport): string[] {
  if (report.targets.length === 0) return [];
  const judged = report.targets.filter((t) => t.met !== null);
  const met = judged.filter((t) => t.met === true).length;
  const goals = Object.entries(OVERLAP_GOALS)
    .map(([style, goal]) => `${style} ${goal}`)
    .join(', ');
  const entropy = Object.entries(ENTROPY_GAP_GOALS)
    .map(([style, goal]) => `${style} within ${goal} bit`)
    .join(', ');
  const frameGoals = Object.entries(FRAME_NLL_GOALS)
    .flatMap(([model, goals]) => Object.entries(goals).map(([data, goal]) => `${model} ${data} ≤ ${goal}`))
    .join(', ');
  const lines = [
    '## Targets (issue #13)',
    '',
    `Met: **${met} of ${judged.length}**. Goals: every mgeval overlap at least the style's goal (${goals}); mean pitch-class entropy ` +
      `of the generated pieces near the held-out one (${entropy}; other styles shown for information); mean bar repetition within ` +
      `${tolerance} of held-out; no degenerate generated piece; the bundled models' held-out frame NLL goals (${frameGoals}).`,
    '',
    '| model | style | target | goal | measured | met |',
    '| --- | --- | --- | --- | --- | :---: |',
  ];
  for (const t of report.targets) {
    lines.push(`| ${t.model} | ${t.style} | ${t.target} | ${t.goal} | ${t.measured} | ${t.met === null ? '—' : mark(t.met)} |`);
  }
  return [...lines, ''];
}

function repetitionLines(report: StructureReport): string[] {
  const lines = [
    '### Bar repetition',
    '',
    'How much each piece repeats its earlier bars: per bar the best Jaccard similarity of its (onset, pitch) set to an earlier ' +
      'bar, averaged over the piece (method below); 1 = every bar repeats an earlier one, 0 = no bar shares a note on the same ' +
      `step with an earlier one. Generated pieces against the held-out excerpts of the overlap tables; goal: generated mean within ${tolerance} ` +
      'of held-out. Mean ± sd over the pieces with two or more non-empty bars.',
    '',
    `| model | style | generated pieces | held-out excerpts | generated repetition | held-out repetition | ratio | within ${tolerance} | ` +
      'exact repeats, generated | exact repeats, held-out | transposed, generated | transposed, held-out |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | :---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of report.repetition) {
    const g = r.generated;
    const h = r.held_out;
    lines.push(
      `| ${r.model} | ${r.style} | ${g.measured} of ${g.pieces} | ${h.measured} of ${h.pieces} | **${pm(g.score, 3)}** | **${pm(h.score, 3)}** | ` +
        `${f(r.ratio, 2)} | ${mark(r.within)} | ${pm(g.exactShare)} | ${pm(h.exactShare)} | ${pm(g.transposedScore, 3)} | ${pm(h.transposedScore, 3)} |`,
    );
  }
  return [...lines, ''];
}

function formLines(report: StructureReport): string[] {
  if (report.form.length === 0) return [];
  const forms = [...new Set(report.form.map((r) => r.form))].join(', ');
  const lines = [
    '### Bar repetition of pieces composed in a form',
    '',
    `The same requests and sampling seeds as the free pieces above, composed with \`--form ${forms}\` (sections of equal length, ` +
      'a returning section restating its first statement, the last bar on the tonic chord; [form.md](form.md)). Repetition as ' +
      'above; "gap" is the distance of the mean from the held-out mean, and the last column says whether the form pieces are ' +
      'the nearer.',
    '',
    '| model | style | form | pieces | free repetition | form repetition | held-out repetition | free gap | form gap | form nearer held-out | exact repeats, form |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | :---: | ---: |',
  ];
  for (const r of report.form) {
    lines.push(
      `| ${r.model} | ${r.style} | ${r.form} | ${r.formed.measured} of ${r.formed.pieces} | ${pm(r.free.score, 3)} | **${pm(r.formed.score, 3)}** | ` +
        `${pm(r.held_out.score, 3)} | ${f(r.freeGap, 3)} | **${f(r.formGap, 3)}** | ${mark(r.closer)} | ${pm(r.formed.exactShare)} |`,
    );
  }
  return [...lines, ''];
}

/** "3 of 32 (empty-track 3)": the count, and the rules where any excerpt broke one. */
function heldOut(check: HeldOutCheck): string {
  const rules = DEGENERATE_RULES.filter((rule) => check.reasons[rule] > 0).map((rule) => `${rule} ${check.reasons[rule]}`);
  return `${check.count} of ${check.pieces}${rules.length > 0 ? ` (${rules.join(', ')})` : ''}`;
}

function degenerateLines(report: StructureReport): string[] {
  const d = report.degenerate;
  const lines = [
    '### Degenerate generated pieces',
    '',
    `**${d.count} of ${d.pieces}** generated pieces are degenerate (goal 0). A piece can break several rules (method below). ` +
      'The last column runs the same rules over the held-out excerpts (the same number of requested tracks; silence over the ' +
      "excerpt's own length): how often real music trips them.",
    '',
    `| model | style | pieces | degenerate | ${DEGENERATE_RULES.join(' | ')} | held-out excerpts flagged |`,
    `| --- | --- | ---: | ---: | ${DEGENERATE_RULES.map(() => '---:').join(' | ')} | ---: |`,
  ];
  for (const r of d.rows) {
    lines.push(
      `| ${r.model} | ${r.style} | ${r.pieces} | **${r.count}** | ${DEGENERATE_RULES.map((rule) => r.reasons[rule]).join(' | ')} | ${heldOut(r.heldOut)} |`,
    );
  }
  lines.push(`| **total** | | ${d.pieces} | **${d.count}** | ${DEGENERATE_RULES.map((rule) => d.reasons[rule]).join(' | ')} | |`, '');
  const listed = d.rows.flatMap((r) => [
    ...r.flagged.slice(0, LISTED_PIECES).map((p) => `- ${r.model}, ${r.style}, seed ${p.seed}: ${p.reasons.map((x) => `${x.rule} (${x.detail})`).join('; ')}`),
    ...(r.flagged.length > LISTED_PIECES ? [`- ${r.model}, ${r.style}: ${r.flagged.length - LISTED_PIECES} more`] : []),
  ]);
  if (listed.length > 0) lines.push('Flagged pieces (by sampling seed):', '', ...listed, '');
  return lines;
}

export function structureSection(report: StructureReport): string[] {
  if (report.repetition.length === 0 && report.degenerate.rows.length === 0) return [];
  return ['## Structure: repetition and degenerate pieces', '', ...repetitionLines(report), ...formLines(report), ...degenerateLines(report)];
}

export function structureMethod(): string[] {
  return [
    'Bar repetition per piece (`src/music/repetition.ts`):',
    '',
    '1. Each bar is the set of (onset step within the bar on the 16th grid, pitch) of the pitched notes starting in it, all tracks ' +
      'together (drums left out; a note doubled by two tracks counts once; lengths and ties ignored).',
    '2. Similarity of two bars: the Jaccard index |A ∩ B| / |A ∪ B|, in [0, 1].',
    '3. Empty bars take no part. Each non-empty bar after the first gets its best similarity to any earlier non-empty bar; the ' +
      'piece\'s repetition is the mean of those, "exact repeats" the share that are 1. "Transposed" also moves each earlier bar by ' +
      `up to ±${MAX_TRANSPOSITION} semitones and keeps the best shift, so a sequence counts as a repeat. A piece with fewer than two non-empty bars is left out.`,
    '',
    `Degenerate pieces (\`src/music/degenerate.ts\`): no notes at all; one pitch on at least ${Math.round(ONE_PITCH_SHARE * 100)} % of the ` +
      'pitched notes (one repeated note); a requested track without notes (compose asks for the default instruments); more than ' +
      `${Math.round(SILENCE_SHARE * 100)} % of the requested length with no note sounding on any track.`,
    '',
    'Pitch-class entropy in the targets is the "reference value" / "generated value" of the pitch_class_histogram rows above: the ' +
      "entropy in bits of each piece's pitch-class histogram, mean over the pieces.",
    '',
  ];
}
