/**
 * `rhythmix report [--models jsb-bench,rhythmix-base] [--out docs/model-report.md]
 *  [--samples docs/samples | --no-samples] [--pieces N] [--seed S] [--quick] [--json]`:
 * the model quality report of issue #8 — held-out likelihood, mgeval feature overlaps per style,
 * bar repetition, degenerate pieces and issue #13's targets, model cards and rendered example
 * pieces — written as Markdown (src/train/report*.ts).
 */
import type { Command } from 'commander';
import { REPORT_SIZES, reportInputSchema, runReport } from '../../app/report.js';
import { OVERLAP_GOALS } from '../../train/targets.js';
import { RhythmixError } from '../../util/errors.js';
import { fieldParser, flagNamer, withFlagNames } from '../flags.js';
import { createProgressDisplay } from './render.js';

export { REPORT_SIZES };

interface ReportFlags {
  models: string[];
  out: string;
  samples: string | false;
  examples?: number;
  pieces?: number;
  referencePieces?: number;
  seed: number;
  bandwidth: 'scott' | 'silverman';
  quick?: boolean;
  json?: boolean;
}

export const REPORT_FLAGS = flagNamer({ samplesDir: '--samples' });
const parse = (field: keyof typeof reportInputSchema.shape): ((raw: string) => unknown) => fieldParser(reportInputSchema, field, REPORT_FLAGS);

export function register(program: Command): void {
  program
    .command('report')
    .description(
      'Write the model quality report: held-out NLL, mgeval feature overlaps, bar repetition and degenerate pieces per style, issue #13 targets, model cards, example pieces',
    )
    .option('--models <list>', 'comma-separated model names (models/<name>/) or folders', parse('models'), ['jsb-bench', 'rhythmix-base'])
    .option('--out <file>', 'Markdown report to write', 'docs/model-report.md')
    .option('--samples <dir>', 'folder for the example pieces (MIDI, Ogg, PNG)', 'docs/samples')
    .option('--no-samples', 'render no example pieces')
    .option(
      '--examples <n>',
      `example pieces per model and style (default ${REPORT_SIZES.full.examples}; --quick ${REPORT_SIZES.quick.examples})`,
      parse('examples'),
    )
    .option('--pieces <n>', `generated pieces per model and style (default ${REPORT_SIZES.full.pieces}; --quick ${REPORT_SIZES.quick.pieces})`, parse('pieces'))
    .option(
      '--reference-pieces <n>',
      `most held-out excerpts per style (default ${REPORT_SIZES.full.referencePieces}; --quick ${REPORT_SIZES.quick.referencePieces})`,
      parse('referencePieces'),
    )
    .option('--seed <s>', 'seed of the sampling (same seed, same report)', parse('seed'), 1)
    .option('--bandwidth <rule>', 'KDE bandwidth rule: scott or silverman', parse('bandwidth'), 'scott')
    .option('--quick', 'fewer pieces: a smoke run in about a minute')
    .option('--json', 'print the collected numbers as one JSON document (the report is still written)')
    .action(
      withFlagNames(REPORT_FLAGS, async (flags: ReportFlags) => {
        const display = createProgressDisplay(flags.json);
        let outcome;
        try {
          outcome = await runReport(
            {
              models: flags.models,
              out: flags.out,
              ...(flags.samples === false ? {} : { samplesDir: flags.samples }),
              quick: flags.quick ?? false,
              ...(flags.examples === undefined ? {} : { examples: flags.examples }),
              ...(flags.pieces === undefined ? {} : { pieces: flags.pieces }),
              ...(flags.referencePieces === undefined ? {} : { referencePieces: flags.referencePieces }),
              seed: flags.seed,
              bandwidth: flags.bandwidth,
            },
            {
              onProgress: (stage, fraction) => display.update(stage, fraction),
              command: (sizes) =>
                [
                  'rhythmix report',
                  `--models ${flags.models.join(',')}`,
                  `--pieces ${sizes.pieces}`,
                  `--reference-pieces ${sizes.referencePieces}`,
                  flags.samples === false ? '--no-samples' : `--samples ${flags.samples} --examples ${sizes.examples}`,
                  `--seed ${sizes.seed}`,
                  ...(sizes.bandwidth === 'scott' ? [] : [`--bandwidth ${sizes.bandwidth}`]),
                  `--out ${flags.out}`,
                ].join(' '),
            },
          );
        } finally {
          display.stop();
        }
        const { report, seconds } = outcome;
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
      }),
    );
}
