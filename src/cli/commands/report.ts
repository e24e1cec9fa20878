/**
 * `rhythmix report [--models jsb-bench,rhythmix-base] [--out docs/model-report.md]
 *  [--samples docs/samples | --no-samples] [--pieces N] [--seed S] [--quick] [--json]`:
 * the model quality report of issue #8 — held-out likelihood, mgeval feature overlaps per style,
 * bar repetition, degenerate pieces and issue #13's targets, model cards and rendered example
 * pieces — written as Markdown (src/train/report*.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { collectReport } from '../../train/report.js';
import { reportMarkdown } from '../../train/report-markdown.js';
import { OVERLAP_GOALS } from '../../train/targets.js';
import { InvalidInputError, RhythmixError } from '../../util/errors.js';
import { createProgressDisplay } from './render.js';
import { quoteInput } from '../../util/text.js';

interface ReportFlags {
  models: string;
  out: string;
  samples: string | false;
  examples?: string;
  pieces?: string;
  referencePieces?: string;
  seed: string;
  bandwidth: string;
  quick?: boolean;
  json?: boolean;
}

/** Full run / --quick: generated pieces per style, reference excerpts per style, examples per style. */
export const REPORT_SIZES = {
  full: { pieces: 100, referencePieces: 100, examples: 2 },
  quick: { pieces: 16, referencePieces: 32, examples: 1 },
} as const;

function integer(flag: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < min) throw new InvalidInputError(`${flag} must be an integer ≥ ${min}, got ${quoteInput(raw)}`);
  return value;
}

export function register(program: Command): void {
  program
    .command('report')
    .description(
      'Write the model quality report: held-out NLL, mgeval feature overlaps, bar repetition and degenerate pieces per style, issue #13 targets, model cards, example pieces',
    )
    .option('--models <list>', 'comma-separated model names (models/<name>/) or folders', 'jsb-bench,rhythmix-base')
    .option('--out <file>', 'Markdown report to write', 'docs/model-report.md')
    .option('--samples <dir>', 'folder for the example pieces (MIDI, Ogg, PNG)', 'docs/samples')
    .option('--no-samples', 'render no example pieces')
    .option('--examples <n>', `example pieces per model and style (default ${REPORT_SIZES.full.examples}; --quick ${REPORT_SIZES.quick.examples})`)
    .option('--pieces <n>', `generated pieces per model and style (default ${REPORT_SIZES.full.pieces}; --quick ${REPORT_SIZES.quick.pieces})`)
    .option(
      '--reference-pieces <n>',
      `most held-out excerpts per style (default ${REPORT_SIZES.full.referencePieces}; --quick ${REPORT_SIZES.quick.referencePieces})`,
    )
    .option('--seed <s>', 'seed of the sampling (same seed, same report)', '1')
    .option('--bandwidth <rule>', 'KDE bandwidth rule: scott or silverman', 'scott')
    .option('--quick', 'fewer pieces: a smoke run in about a minute')
    .option('--json', 'print the collected numbers as one JSON document (the report is still written)')
    .action(async (flags: ReportFlags) => {
      const models = flags.models
        .split(',')
        .map((m) => m.trim())
        .filter((m) => m !== '');
      const sizes = flags.quick ? REPORT_SIZES.quick : REPORT_SIZES.full;
      const pieces = integer('--pieces', flags.pieces, 2) ?? sizes.pieces;
      const referencePieces = integer('--reference-pieces', flags.referencePieces, 2) ?? sizes.referencePieces;
      const examples = flags.samples === false ? 0 : (integer('--examples', flags.examples, 0) ?? sizes.examples);
      const seed = integer('--seed', flags.seed, 0);
      if (seed === undefined) throw new InvalidInputError('--seed is required');
      if (flags.bandwidth !== 'scott' && flags.bandwidth !== 'silverman')
        throw new InvalidInputError(`--bandwidth must be scott or silverman, got ${quoteInput(flags.bandwidth)}`);
      const bandwidth = flags.bandwidth;

      const started = Date.now();
      const display = createProgressDisplay(flags.json);
      let report;
      try {
        report = await collectReport({
          models,
          pieces,
          referencePieces,
          samples: examples,
          ...(flags.samples === false ? {} : { samplesDir: flags.samples }),
          seed,
          bandwidth,
          onProgress: (stage, fraction) => display.update(stage, fraction),
        });
      } finally {
        display.stop();
      }
      const seconds = (Date.now() - started) / 1000;
      const command = [
        'rhythmix report',
        `--models ${models.join(',')}`,
        `--pieces ${pieces}`,
        `--reference-pieces ${referencePieces}`,
        flags.samples === false ? '--no-samples' : `--samples ${flags.samples} --examples ${examples}`,
        `--seed ${seed}`,
        ...(bandwidth === 'scott' ? [] : [`--bandwidth ${bandwidth}`]),
        `--out ${flags.out}`,
      ].join(' ');
      const markdown = reportMarkdown(report, {
        command,
        reportDir: path.dirname(path.resolve(flags.out)),
        runLine: `Run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${Math.round(seconds)} s on ${process.platform}/${process.arch}.`,
      });
      await mkdir(path.dirname(path.resolve(flags.out)), { recursive: true });
      await writeFile(flags.out, markdown);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ out: flags.out, seconds, ...report })}\n`);
      } else {
        for (const row of report.likelihood) console.log(`${row.model} ${row.data} ${row.split}: frame NLL ${row.result.frame_nll.toFixed(4)}`);
        for (const section of report.overlaps) {
          const goal = OVERLAP_GOALS[section.style];
          const met = section.features.filter((r) => r.overlap >= goal).length;
          console.log(
            `${section.model} ${section.style}: ${section.features.map((r) => `${r.feature} ${r.overlap.toFixed(3)}`).join(', ')} (${met}/${section.features.length} ≥ ${goal})`,
          );
        }
        for (const r of report.repetition) {
          console.log(
            `${r.model} ${r.style}: repetition ${r.generated.score.mean.toFixed(3)} vs held-out ${r.held_out.score.mean.toFixed(3)} (ratio ${r.ratio.toFixed(2)})`,
          );
        }
        console.log(`degenerate pieces: ${report.degenerate.count} of ${report.degenerate.pieces}`);
        const judged = report.targets.filter((t) => t.met !== null);
        console.log(`issue #13 targets met: ${judged.filter((t) => t.met === true).length} of ${judged.length}`);
        for (const style of report.uncoveredStyles) console.log(`${style}: no model in --models covers it (skipped, noted in the report)`);
      }
      if (report.sampleFailures.length > 0) {
        throw new RhythmixError(
          `wrote ${flags.out}, but ${report.sampleFailures.length} example piece(s) could not be rendered: ` +
            report.sampleFailures.map((f) => `${f.model} ${f.style} (${f.error})`).join('; '),
          { exitCode: 1 },
        );
      }
      if (!flags.json) {
        console.log(
          `wrote ${flags.out}${report.samples.length > 0 ? ` and ${report.samples.length} example piece(s) in ${String(flags.samples)}` : ''} in ${Math.round(seconds)} s`,
        );
      }
    });
}
