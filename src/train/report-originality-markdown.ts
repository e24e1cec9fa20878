/**
 * The report's originality section and method paragraph (report-markdown.ts puts them in place):
 * the distribution of the longest phrase shared with the training data per (model, style), held-out
 * music's for comparison, and the generated pieces that copy COPY_LIMIT_BARS bars or more.
 */
import { COPY_LIMIT_BARS, NGRAM } from '../music/originality.js';
import { f } from './markdown-format.js';
import { ORIGINALITY_BUCKETS, type OriginalityStats } from './originality.js';
import type { ModelReport } from './report.js';

/** Flagged pieces listed per (model, style); the rest are counted. */
const LISTED = 10;

const cells = (s: OriginalityStats | null): string[] =>
  s === null ? ['—', '—', '—', ...ORIGINALITY_BUCKETS.map(() => '—')] : [f(s.median, 1), f(s.mean, 2), f(s.max, 1), ...s.buckets.map(String)];

export function originalitySection(report: Pick<ModelReport, 'originality'>): string[] {
  const rows = report.originality ?? [];
  if (rows.length === 0) return [];
  const lines = [
    '## Originality: longest phrase shared with the training data',
    '',
    `Per generated piece (the takes above, as sampled — compose re-samples a take of ${COPY_LIMIT_BARS} bars or more), the longest ` +
      "phrase of one melodic line found in the model's training pieces, in bars, whatever the key; held-out excerpts of the style " +
      'measured the same way for comparison. Columns after the max: pieces per range of bars.',
    '',
    `| model | style | set | median | mean | max | ${ORIGINALITY_BUCKETS.map((b) => b.label).join(' | ')} |`,
    `| --- | --- | --- | ---: | ---: | ---: | ${ORIGINALITY_BUCKETS.map(() => '---:').join(' | ')} |`,
  ];
  for (const row of rows) {
    if (row.generated === null) {
      lines.push(`| ${row.model} | ${row.style} | generated | ${row.note ?? 'no index'} | | | ${ORIGINALITY_BUCKETS.map(() => '').join(' | ')} |`);
      continue;
    }
    lines.push(`| ${row.model} | ${row.style} | generated (${row.generated.pieces}) | ${cells(row.generated).join(' | ')} |`);
    if (row.heldOut) lines.push(`| ${row.model} | ${row.style} | held-out (${row.heldOut.pieces}) | ${cells(row.heldOut).join(' | ')} |`);
  }
  lines.push('');
  const flagged = rows.flatMap((row) => row.flagged.map((copy) => ({ row, copy })));
  if (flagged.length === 0) {
    lines.push(`No generated piece shares ${COPY_LIMIT_BARS} bars or more with a training piece.`, '');
    return lines;
  }
  lines.push(`Generated pieces sharing ${COPY_LIMIT_BARS} bars or more (⚠️ compose would have composed them again):`, '');
  for (const row of rows) {
    if (row.flagged.length === 0) continue;
    const listed = row.flagged.slice(0, LISTED).map((c) => `seed ${c.seed}: ${f(c.bars, 1)} bars of \`${c.copiedFrom}\``);
    const more = row.flagged.length > LISTED ? `; ${row.flagged.length - LISTED} more` : '';
    lines.push(`- ⚠️ **${row.model}**, ${row.style}: ${row.flagged.length} piece(s) — ${listed.join('; ')}${more}`);
  }
  lines.push('');
  return lines;
}

export function originalityMethod(): string[] {
  return [
    '',
    `Originality (\`src/music/originality.ts\`, docs/originality.md): each pitched track is read as its highest and its lowest note at ` +
      `each onset; each note after the first becomes (interval to the previous note, onset distance in 16ths), and every ${NGRAM} ` +
      "consecutive features are hashed. The model's index (`originality.bin`, from the train split of the data sets its card names) " +
      'holds those hashes in order per training line; hits at consecutive positions of one training line chain into a copied phrase, ' +
      'measured from its first note to the end of its last in bars of the piece’s meter. Transposed copies count; drums do not.',
  ];
}
