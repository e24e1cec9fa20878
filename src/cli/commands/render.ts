/**
 * `rhythmix render FILE.mid [--out FILE.ogg] [--soundfont SF2] [--png [FILE]] [--json]` renders any
 * MIDI file the way composed pieces are rendered; `rhythmix bench render [--json]` measures the
 * realtime factor of MIDI → Ogg/Opus.
 */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { z } from 'zod';
import { render, renderInputSchema } from '../../app/render.js';
import { benchRender } from '../../render/bench.js';
import type { RenderJobProgress } from '../../render/render-job.js';
import { fieldParser, flagNamer, withFlagNames } from '../flags.js';

export interface ProgressDisplay {
  update(stage: string, fraction: number): void;
  stop(): void;
}

/** A cli-progress bar on a terminal, one line per stage otherwise, nothing with --json. */
export function createProgressDisplay(json: boolean | undefined): ProgressDisplay {
  if (json) return { update: () => undefined, stop: () => undefined };
  if (!process.stderr.isTTY) {
    let last = '';
    return {
      update(stage) {
        if (stage !== last) process.stderr.write(`${stage}…\n`);
        last = stage;
      },
      stop: () => undefined,
    };
  }
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: '{stage} [{bar}] {percentage}%', clearOnComplete: true, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(stage, fraction) {
      if (!started) {
        bar.start(100, 0, { stage });
        started = true;
      }
      bar.update(Math.round(fraction * 100), { stage: stage.padEnd(10) });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

export function renderStageLabel(progress: RenderJobProgress): string {
  return progress.stage === 'synthesis' ? 'synthesising' : progress.stage === 'encoding' ? 'encoding' : 'drawing';
}

interface RenderFlags {
  out?: string;
  soundfont?: string;
  png?: string | boolean;
  json?: boolean;
  maxSeconds?: number;
  timeout?: number;
}

export const RENDER_FLAGS = flagNamer({ timeoutSeconds: '--timeout' });

/** `bench render`'s options: a benchmark of the CLI alone, so its schema lives here. */
const benchRenderSchema = z.object({
  runs: z.number().int().min(1).max(100),
  encoders: z.number().int().min(1).max(8).optional(),
});
const BENCH_FLAGS = flagNamer();

export function register(program: Command): void {
  program
    .command('render')
    .description('Render a MIDI file to Ogg/Opus (48 kHz stereo, loudness-normalised) with FluidSynth')
    .argument('<file>', 'MIDI file (.mid)')
    .option('--out <file>', 'Ogg/Opus output (default: next to the input, .ogg)')
    .option('--soundfont <sf2>', 'General MIDI soundfont (default: $SOUNDFONT, soundfonts/, the system GM soundfont)')
    .option('--png [file]', 'also draw a piano-roll picture (default: next to the input, .png)')
    .option(
      '--max-seconds <s>',
      'longest piece rendered (default 1200, or $RHYTHMIX_MAX_RENDER_SECONDS)',
      fieldParser(renderInputSchema, 'maxSeconds', RENDER_FLAGS),
    )
    .option(
      '--timeout <s>',
      'render time limit (default 300, or $RHYTHMIX_RENDER_TIMEOUT_SECONDS)',
      fieldParser(renderInputSchema, 'timeoutSeconds', RENDER_FLAGS),
    )
    .option('--json', 'print one JSON document')
    .action(
      withFlagNames(RENDER_FLAGS, async (file: string, options: RenderFlags) => {
        const display = createProgressDisplay(options.json);
        let summary;
        try {
          summary = await render(
            {
              file,
              ...(options.out ? { out: options.out } : {}),
              ...(options.soundfont ? { soundfont: options.soundfont } : {}),
              png: options.png ?? false,
              ...(options.maxSeconds ? { maxSeconds: options.maxSeconds } : {}),
              ...(options.timeout ? { timeoutSeconds: options.timeout } : {}),
            },
            { onProgress: (p) => display.update(renderStageLabel(p), p.fraction) },
          );
        } finally {
          display.stop();
        }
        if (options.json) {
          process.stdout.write(`${JSON.stringify(summary)}\n`);
          return;
        }
        console.log(`${summary.audio}: ${summary.seconds.toFixed(1)} s, ${summary.notes} notes, ${summary.loudness} LUFS, peak ${summary.peakDb} dBFS`);
        if (summary.image) console.log(`${summary.image}: piano roll`);
      }),
    );

  // `bench` may already exist (engine benchmarks): add to it rather than defining it twice.
  const bench = program.commands.find((c) => c.name() === 'bench') ?? program.command('bench').description('Benchmarks');
  bench
    .command('render')
    .description('Realtime factor of MIDI → Ogg/Opus rendering (seconds of audio per second of wall time; goal ≥ 100×)')
    .option('--runs <n>', 'timed runs after one warm-up', fieldParser(benchRenderSchema, 'runs', BENCH_FLAGS), 5)
    .option('--soundfont <sf2>', 'soundfont to render with')
    .option('--encoders <n>', 'ffmpeg processes encoding segments in parallel (default 1)', fieldParser(benchRenderSchema, 'encoders', BENCH_FLAGS))
    .option('--json', 'print one JSON document {realtime_factor, …}')
    .action(async (options: { runs: number; soundfont?: string; json?: boolean; encoders?: number }) => {
      const { runs, encoders } = options;
      const display = createProgressDisplay(options.json);
      let result;
      try {
        result = await benchRender({
          runs,
          ...(options.soundfont ? { soundfont: options.soundfont } : {}),
          ...(encoders ? { encoders } : {}),
          onRun: (done, total) => display.update('rendering', done / total),
        });
      } finally {
        display.stop();
      }
      if (options.json) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      const describe = (t: { realtime_factor: number; median_realtime_factor: number; best_realtime_factor: number; wall_seconds: number }): string =>
        `${t.realtime_factor}× (median ${t.median_realtime_factor}×, best ${t.best_realtime_factor}×, ${t.wall_seconds} s per render)`;
      console.log(`${result.piece}: ${result.audio_seconds} s of audio, ${runs} runs, load average ${result.load_average.join(' → ')}`);
      console.log(`realtime factor: ${describe(result)} — goal ≥ ${result.goal}×`);
    });
}
