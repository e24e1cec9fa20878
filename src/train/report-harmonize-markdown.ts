/**
 * The report's harmonization section and method paragraph (report-markdown.ts puts them in place):
 * per (model, style), how often the accompaniment of harmonized held-out melodies clashes with the
 * melody on strong beats, beside Bach's own lower voices and chance (harmonize-clash.ts).
 */
import type { ClashCount } from '../music/clash.js';
import type { ModelReport } from './report.js';

const rate = (c: ClashCount): string => `${(100 * c.rate).toFixed(1)} % (${c.clashes}/${c.notes})`;

export function harmonizeSection(report: Pick<ModelReport, 'harmonize'>): string[] {
  const rows = report.harmonize ?? [];
  if (rows.length === 0) return [];
  const lines = [
    '## Harmonization: clashes with the melody',
    '',
    "The JSB chorales' test sopranos harmonized (`rhythmix harmonize`, the style's default instruments, one take each): " +
      'the share of accompaniment notes sounding on a strong beat a semitone, minor ninth or tritone from the melody; ' +
      "Bach's alto, tenor and bass under the same sopranos, and chance (each soprano over the next chorale's lower voices), for comparison.",
    '',
    '| model | style | melodies | harmonized | Bach | chance | melody kept |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    lines.push(`| ${r.model} | ${r.style} | ${r.takes} | **${rate(r.harmonized)}** | ${rate(r.bach)} | ${rate(r.chance)} | ${r.melodyKept}/${r.takes} |`);
  }
  lines.push('');
  return lines;
}

export function harmonizeMethod(): string[] {
  return [
    '',
    'Harmonization clashes (`src/music/clash.ts`, docs/harmonize.md): on strong beats (the bar line and the middle of 4/4 bars, ' +
      'counted from the first frame: the chorales carry no metre), each accompaniment note sounding there counts once per beat; ' +
      'it clashes when it lies a semitone, a minor ninth (or these plus octaves) or a tritone from a melody note sounding there. ' +
      'Major sevenths are not counted. The melodies are at most `--reference-pieces` sopranos spread evenly over the JSB test split ' +
      '(`Jsb16thSeparated.json`); a model writing piano-roll frames cannot harmonize and has no row. ' +
      '"Melody kept": the first track of the result is the melody as given (16ths).',
  ];
}
