/**
 * `rhythmix render FILE.mid [--out FILE.ogg] [--soundfont SF2] [--png [FILE]] [--json]` renders any
 * MIDI file the way composed pieces are rendered; `rhythmix bench render [--json]` measures the
 * realtime factor of MIDI → Ogg/Opus.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { formatBytes, resolveMidiLimits } from '../../midi/limits.js';
import { benchRender } from '../../render/bench.js';
import { runRenderJob, type RenderJobProgress } from '../../render/render-job.js';
import { InvalidInputError } from '../../util/errors.js';
import { quoteInput } from '../../util/text.js';

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

export function parseSeconds(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new InvalidInputError(`${flag} must be a positive number of seconds, got ${quoteInput(raw)}`);
  return value;
}

interface RenderOptions {
  out?: string;
  soundfont?: string;
  png?: string | boolean;
  json?: boolean;
  maxSeconds?: string;
  timeout?: string;
}

async function readUserMidi(file: string): Promise<Uint8Array> {
  const { maxBytes } = resolveMidiLimits();
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new InvalidInputError(`${file} is not a file`);
    size = info.size;
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    throw new InvalidInputError(`cannot read ${file}: no such file`);
  }
  if (size > maxBytes) throw new InvalidInputError(`${file} is ${formatBytes(size)}, over the MIDI size limit of ${formatBytes(maxBytes)}`);
  return new Uint8Array(await readFile(file));
}

function withExtension(file: string, extension: string): string {
  return path.join(path.dirname(file), `${path.basename(file, path.extname(file))}${extension}`);
}

export function register(program: Command): void {
  program
    .command('render')
    .description('Render a MIDI file to Ogg/Opus (48 kHz stereo, loudness-normalised) with FluidSynth')
    .argument('<file>', 'MIDI file (.mid)')
    .option('--out <file>', 'Ogg/Opus output (default: next to the input, .ogg)')
    .option('--soundfont <sf2>', 'General MIDI soundfont (default: $SOUNDFONT, soundfonts/, the system GM soundfont)')
    .option('--png [file]', 'also draw a piano-roll picture (default: next to the input, .png)')
    .option('--max-seconds <s>', 'longest piece rendered (default 1200, or $RHYTHMIX_MAX_RENDER_SECONDS)')
    .option('--timeout <s>', 'render time limit (default 300, or $RHYTHMIX_RENDER_TIMEOUT_SECONDS)')
    .option('--json', 'print one JSON document')
    .action(async (file: string, options: RenderOptions) => {
      const midi = await readUserMidi(file);
      const audioPath = options.out ?? withExtension(file, '.ogg');
      const imagePath = options.png === undefined || options.png === false ? undefined : options.png === true ? withExtension(file, '.png') : options.png;
      const maxSeconds = parseSeconds('--max-seconds', options.maxSeconds);
      const timeoutSeconds = parseSeconds('--timeout', options.timeout);
      const display = createProgressDisplay(options.json);
      let result;
      try {
        result = await runRenderJob(
          {
            input: midi,
            audioPath,
            ...(imagePath ? { imagePath } : {}),
            audio: {
              soundfont: options.soundfont,
              limits: { ...(maxSeconds ? { maxSeconds } : {}), ...(timeoutSeconds ? { timeoutSeconds } : {}) },
            },
            pianoRoll: { title: path.basename(file) },
          },
          { onProgress: (p) => display.update(renderStageLabel(p), p.fraction) },
        );
      } finally {
        display.stop();
      }
      const audio = result.audio;
      if (!audio) return;
      const summary = {
        input: file,
        audio: audio.path,
        ...(result.image ? { image: result.image.path } : {}),
        seconds: round(audio.seconds, 3),
        notes: audio.notes,
        loudness: round(audio.loudness, 1),
        peakDb: round(audio.peakDb, 1),
        gainDb: round(audio.gainDb, 1),
        soundfont: audio.soundfont,
      };
      if (options.json) {
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        return;
      }
      console.log(`${summary.audio}: ${summary.seconds.toFixed(1)} s, ${summary.notes} notes, ${summary.loudness} LUFS, peak ${summary.peakDb} dBFS`);
      if (summary.image) console.log(`${summary.image}: piano roll`);
    });

  // `bench` may already exist (engine benchmarks): add to it rather than defining it twice.
  const bench = program.commands.find((c) => c.name() === 'bench') ?? program.command('bench').description('Benchmarks');
  bench
    .command('render')
    .description('Realtime factor of MIDI → Ogg/Opus rendering (seconds of audio per second of wall time; goal ≥ 100×)')
    .option('--runs <n>', 'timed runs after one warm-up', '5')
    .option('--soundfont <sf2>', 'soundfont to render with')
    .option('--encoders <n>', 'ffmpeg processes encoding segments in parallel (default 1)')
    .option('--json', 'print one JSON document {realtime_factor, …}')
    .action(async (options: { runs: string; soundfont?: string; json?: boolean; encoders?: string }) => {
      const runs = Number(options.runs);
      if (!Number.isInteger(runs) || runs < 1 || runs > 100) throw new InvalidInputError(`--runs must be an integer 1..100, got ${quoteInput(options.runs)}`);
      const encoders = options.encoders === undefined ? undefined : Number(options.encoders);
      if (encoders !== undefined && (!Number.isInteger(encoders) || encoders < 1 || encoders > 8)) {
        throw new InvalidInputError(`--encoders must be an integer 1..8, got ${quoteInput(options.encoders ?? '')}`);
      }
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

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
