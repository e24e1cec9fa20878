/**
 * MIDI → Ogg/Opus. FluidSynth renders float PCM to stdout (fast file rendering, no audio driver);
 * Node measures peak and loudness while the samples stream past into a temporary file; ffmpeg then
 * encodes that file once with the gain that brings the piece to the loudness target (peak capped)
 * and with trailing silence beyond the release tail trimmed. Float PCM means nothing clips before
 * the gain is applied. Everything temporary lives in one directory that is always removed.
 */
import { mkdir, mkdtemp, open, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseMidi } from '../midi/read.js';
import type { MidiLimits } from '../midi/limits.js';
import { writeMidi } from '../midi/write.js';
import { beatsToSeconds, noteCount, pieceLengthBeats, type Piece } from '../music/piece.js';
import { InvalidInputError } from '../util/errors.js';
import { spawnFailure, startTool, stderrSummary } from './child-process.js';
import { RenderError, RenderTimeoutError } from './errors.js';
import { RENDER_LIMIT_ENV, resolveRenderLimits, type RenderLimits } from './limits.js';
import { ANALYSIS_SAMPLE_RATE, StereoLevelAnalyser, audibleEndFrame, dbToAmplitude, type LevelAnalysis } from './loudness.js';
import { resolveSoundfont } from './soundfonts.js';
import { FFMPEG, FLUIDSYNTH, locateRenderTools, type RenderTools } from './tools.js';

export const SAMPLE_RATE = ANALYSIS_SAMPLE_RATE;
const CHANNELS = 2;
const BYTES_PER_FRAME = CHANNELS * 4; // float32 stereo

export interface LevelTarget {
  /** Integrated loudness aimed for, LUFS. */
  readonly loudnessLufs: number;
  /** Highest sample peak allowed, dBFS; wins over the loudness target. */
  readonly maxPeakDb: number;
  /** Most gain ever applied. FluidSynth output has no noise floor, but a render this quiet is a mistake. */
  readonly maxGainDb: number;
  /**
   * How far the look-ahead limiter may pull peaks down to reach the loudness target. Pieces with
   * sharp transients (drums, plucked attacks) would otherwise stay far below the target.
   */
  readonly maxLimitingDb: number;
}

export const DEFAULT_LEVEL: LevelTarget = Object.freeze({ loudnessLufs: -16, maxPeakDb: -1, maxGainDb: 60, maxLimitingDb: 8 });

export interface RenderProgress {
  readonly stage: 'synthesis' | 'encoding';
  /** 0..1 within the stage. */
  readonly fraction: number;
}

export interface RenderAudioOptions {
  /** `--soundfont`; otherwise SOUNDFONT, soundfonts/, the system's GM soundfonts. */
  readonly soundfont?: string | undefined;
  readonly tools?: RenderTools;
  readonly limits?: Partial<RenderLimits>;
  /** Limits for parsing MIDI bytes (ignored for a Piece). */
  readonly midiLimits?: Partial<MidiLimits>;
  readonly level?: Partial<LevelTarget>;
  /** Longest release/reverb tail kept after the last note-off, seconds. */
  readonly tailSeconds?: number;
  /** Opus bitrate in kbit/s. */
  readonly bitrateKbps?: number;
  readonly onProgress?: (progress: RenderProgress) => void;
  readonly signal?: AbortSignal;
}

export interface AudioRenderResult {
  readonly path: string;
  /** Length of the audio file. */
  readonly seconds: number;
  /** Sample peak of the normalised audio, dBFS (before Opus coding). */
  readonly peakDb: number;
  /** Integrated loudness of the normalised audio, LUFS. */
  readonly loudness: number;
  /** Gain applied to FluidSynth's output, dB. */
  readonly gainDb: number;
  /** Where the last note ends, seconds. */
  readonly noteSeconds: number;
  readonly notes: number;
  readonly soundfont: string;
}

/** Audible level below which trailing audio is cut, dBFS after normalisation. */
const TRIM_THRESHOLD_DB = -60;
const FADE_OUT_SECONDS = 0.05;
const DEFAULT_TAIL_SECONDS = 3;
const DEFAULT_BITRATE_KBPS = 128;

function fluidsynthArgs(soundfont: string, midiPath: string): string[] {
  return [
    '-n', '-i', '-q', // no MIDI driver, no shell, quiet
    '-r', String(SAMPLE_RATE),
    '-z', '512', // larger blocks: fewer writes to the pipe
    '-T', 'raw', '-O', 'float', '-E', 'little',
    '-F', '-',
    '-R', '1', '-C', '1',
    '-o', 'synth.reverb.room-size=0.5',
    '-o', 'synth.reverb.damp=0.3',
    '-o', 'synth.reverb.width=0.8',
    '-o', 'synth.reverb.level=0.6',
    '-o', 'synth.chorus.level=1.2',
    '-o', 'synth.polyphony=256',
    // Load only the samples the piece uses: large soundfonts (FluidR3 is 141 MB) start much faster.
    '-o', 'synth.dynamic-sample-loading=1',
    soundfont,
    midiPath,
  ];
}

interface PreparedInput {
  readonly piece: Piece;
  readonly midi: Uint8Array;
}

function prepareInput(input: Uint8Array | Piece, midiLimits: Partial<MidiLimits> | undefined): PreparedInput {
  // User MIDI is rendered from its own bytes (pedal, pitch bend and controllers survive);
  // parsing it first validates it and gives the note count and length.
  if (input instanceof Uint8Array) return { piece: parseMidi(input, midiLimits), midi: input };
  return { piece: input, midi: writeMidi(input) };
}

/** Render MIDI bytes or a Piece to an Ogg/Opus file at `outPath`. */
export async function renderAudio(
  input: Uint8Array | Piece,
  outPath: string,
  options: RenderAudioOptions = {},
): Promise<AudioRenderResult> {
  const limits = resolveRenderLimits(options.limits);
  const tools = options.tools ?? locateRenderTools();
  const soundfont = resolveSoundfont({ explicit: options.soundfont });
  const { piece, midi } = prepareInput(input, options.midiLimits);
  const notes = noteCount(piece);
  if (notes === 0) throw new InvalidInputError('the piece has no notes — nothing to render');
  const noteSeconds = beatsToSeconds(piece, pieceLengthBeats(piece));
  if (noteSeconds > limits.maxSeconds) {
    throw new InvalidInputError(
      `the piece lasts ${noteSeconds.toFixed(0)} s, longer than the render limit of ${limits.maxSeconds} s ` +
        `(raise it with ${RENDER_LIMIT_ENV.maxSeconds})`,
    );
  }
  const tailSeconds = options.tailSeconds ?? DEFAULT_TAIL_SECONDS;
  const level = { ...DEFAULT_LEVEL, ...options.level };

  const timeout = new AbortController();
  const timer = setTimeout(
    () =>
      timeout.abort(
        new RenderTimeoutError(
          `rendering took longer than ${limits.timeoutSeconds} s and was stopped ` +
            `(raise the limit with ${RENDER_LIMIT_ENV.timeoutSeconds})`,
        ),
      ),
    limits.timeoutSeconds * 1000,
  );
  const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
  await mkdir(path.dirname(path.resolve(outPath)), { recursive: true });
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'rhythmix-render-'));
  const partialOut = `${outPath}.partial-${process.pid}-${Date.now()}.ogg`;
  let encoder: Encoder | undefined;
  try {
    const midiPath = path.join(workDir, 'input.mid');
    const pcmPath = path.join(workDir, 'synth.f32');
    await writeFile(midiPath, midi);
    const maxFrames = Math.ceil((noteSeconds + tailSeconds) * SAMPLE_RATE);
    encoder = startEncoder(tools.ffmpeg, partialOut, {
      ceilingDb: level.maxPeakDb,
      bitrateKbps: options.bitrateKbps ?? DEFAULT_BITRATE_KBPS,
      title: piece.title,
      signal,
    });
    const analysis = await synthesize(tools.fluidsynth, soundfont, midiPath, pcmPath, {
      // A MIDI's end-of-track may lie far beyond its last note: stop FluidSynth once the tail is done.
      maxFrames: maxFrames + SAMPLE_RATE,
      expectedFrames: maxFrames,
      signal,
      onProgress: options.onProgress,
    });
    if (analysis.frames === 0) throw new RenderError('fluidsynth produced no audio for this MIDI file');
    if (analysis.peak < 1e-5) {
      const programs = [...new Set(piece.tracks.map((t) => (t.isDrum ? 'drums' : String(t.program))))].join(', ');
      throw new RenderError(
        `the rendered audio is silent — the soundfont ${path.basename(soundfont)} has no sound for this piece's instruments ` +
          `(programs ${programs})${analysis.stderr ? `; fluidsynth said: ${stderrSummary(analysis.stderr)}` : ''}`,
      );
    }
    const gainDb = chooseGain(analysis, level);
    const endFrame = audibleEndFrame(analysis, {
      gainDb,
      thresholdDb: TRIM_THRESHOLD_DB,
      minFrames: Math.round(noteSeconds * SAMPLE_RATE),
      maxFrames,
    });
    const seconds = endFrame / SAMPLE_RATE;
    await encoder.encode(pcmPath, endFrame, gainDb, options.onProgress);
    await rename(partialOut, outPath);
    return {
      path: outPath,
      seconds,
      peakDb: Math.min(analysis.peakDb + gainDb, level.maxPeakDb),
      // Measured before the limiter, which only shaves short peaks (≤ maxLimitingDb).
      loudness: analysis.loudnessLufs + gainDb,
      gainDb,
      noteSeconds,
      notes,
      soundfont,
    };
  } catch (error) {
    if (signal.aborted && signal.reason instanceof Error) throw signal.reason;
    throw error;
  } finally {
    clearTimeout(timer);
    await encoder?.abandon();
    await Promise.all([rm(workDir, { recursive: true, force: true }), rm(partialOut, { force: true })]);
  }
}

/**
 * Gain towards the loudness target. Peaks may end up to `maxLimitingDb` above the ceiling: the
 * limiter in the encoder brings them back under it.
 */
export function chooseGain(analysis: Pick<LevelAnalysis, 'peakDb' | 'loudnessLufs'>, level: LevelTarget): number {
  const towardsTarget = Number.isFinite(analysis.loudnessLufs) ? level.loudnessLufs - analysis.loudnessLufs : level.maxGainDb;
  const headroom = level.maxPeakDb - analysis.peakDb + level.maxLimitingDb;
  return Math.min(towardsTarget, headroom, level.maxGainDb);
}

interface SynthesisOptions {
  readonly maxFrames: number;
  readonly expectedFrames: number;
  readonly signal: AbortSignal;
  readonly onProgress: ((progress: RenderProgress) => void) | undefined;
}

async function synthesize(
  fluidsynth: string,
  soundfont: string,
  midiPath: string,
  pcmPath: string,
  options: SynthesisOptions,
): Promise<LevelAnalysis & { readonly stderr: string }> {
  const tool = startTool(fluidsynth, fluidsynthArgs(soundfont, midiPath), options.signal);
  const analyser = new StereoLevelAnalyser();
  const file = await open(pcmPath, 'w');
  const maxBytes = options.maxFrames * BYTES_PER_FRAME;
  let written = 0;
  let carry = Buffer.alloc(0);
  let stoppedEarly = false;
  let lastReport = -1;
  try {
    for await (const chunk of tool.child.stdout as AsyncIterable<Buffer>) {
      let bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const usable = Math.min(bytes.length - (bytes.length % BYTES_PER_FRAME), maxBytes - written);
      carry = Buffer.from(bytes.subarray(usable));
      bytes = bytes.subarray(0, usable);
      // Float32Array needs 4-byte alignment; pipe chunks usually are, copy when not.
      const aligned = bytes.byteOffset % 4 === 0 ? bytes : Buffer.from(bytes);
      analyser.push(new Float32Array(aligned.buffer, aligned.byteOffset, aligned.length / 4));
      await file.write(aligned);
      written += usable;
      const fraction = Math.min(1, written / (options.expectedFrames * BYTES_PER_FRAME));
      if (options.onProgress && fraction - lastReport >= 0.05) {
        lastReport = fraction;
        options.onProgress({ stage: 'synthesis', fraction });
      }
      if (written >= maxBytes) {
        stoppedEarly = true;
        tool.child.kill('SIGKILL');
        break;
      }
    }
  } catch (error) {
    tool.child.kill('SIGKILL');
    await tool.exit;
    throw error;
  } finally {
    await file.close();
  }
  const exit = await tool.exit;
  options.signal.throwIfAborted();
  if (exit.error && !stoppedEarly) throw spawnFailure(fluidsynth, exit.error, FLUIDSYNTH.debianPackage);
  if (!stoppedEarly && exit.code !== 0) {
    throw new RenderError(`fluidsynth failed (${exitDescription(exit)}): ${stderrSummary(exit.stderr)}`);
  }
  options.onProgress?.({ stage: 'synthesis', fraction: 1 });
  const analysis = analyser.finish();
  if (analysis.frames === 0 && exit.stderr !== '') {
    throw new RenderError(`fluidsynth produced no audio: ${stderrSummary(exit.stderr)}`);
  }
  return { ...analysis, stderr: exit.stderr };
}

function exitDescription(exit: { code: number | null; signal: NodeJS.Signals | null }): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}

interface EncoderOptions {
  /** The limiter's ceiling, dBFS. */
  readonly ceilingDb: number;
  readonly bitrateKbps: number;
  readonly title: string | undefined;
  readonly signal: AbortSignal;
}

interface Encoder {
  /** Streams frames [0, endFrame) of the PCM file with `gainDb` and a short fade-out applied. */
  encode(pcmPath: string, endFrame: number, gainDb: number, onProgress?: (p: RenderProgress) => void): Promise<void>;
  /** Stops ffmpeg if it is still running (error paths) and waits until it has exited. */
  abandon(): Promise<void>;
}

/**
 * ffmpeg is started together with FluidSynth and waits on stdin, so its start-up overlaps the
 * synthesis. Gain, trim and fade are applied here in Node (a multiply per sample) because the
 * gain is only known once the whole piece has been measured.
 */
function startEncoder(ffmpeg: string, outPath: string, options: EncoderOptions): Encoder {
  const args = [
    '-hide_banner', '-nostdin', '-v', 'error',
    '-f', 'f32le', '-ar', String(SAMPLE_RATE), '-ac', String(CHANNELS), '-i', 'pipe:0',
    // Look-ahead limiter with delay compensation: a no-op below the ceiling, cheap above it.
    '-af', `alimiter=limit=${dbToAmplitude(options.ceilingDb).toFixed(4)}:attack=5:release=80:level=false:latency=true`,
    '-map_metadata', '-1',
    ...(options.title ? ['-metadata', `title=${options.title}`] : []),
    '-c:a', 'libopus', '-b:a', `${options.bitrateKbps}k`, '-vbr', 'on', '-application', 'audio',
    // Complexity 3 of 10: about 1.7× faster than the default and not audibly different at 128 kbit/s.
    '-compression_level', '3',
    '-ar', String(SAMPLE_RATE), '-ac', String(CHANNELS),
    '-f', 'ogg', '-y', outPath,
  ];
  const tool = startTool(ffmpeg, args, options.signal, { stdin: true });
  const stdin = tool.child.stdin;
  // EPIPE when ffmpeg dies early: the exit code below reports it.
  stdin.on('error', () => undefined);
  return {
    abandon: async () => {
      if (tool.child.exitCode === null) tool.child.kill('SIGKILL');
      await tool.exit;
    },
    async encode(pcmPath, endFrame, gainDb, onProgress) {
      const gain = dbToAmplitude(gainDb);
      const fadeFrames = Math.min(endFrame, Math.round(FADE_OUT_SECONDS * SAMPLE_RATE));
      const file = await open(pcmPath, 'r');
      try {
        const chunkFrames = 32_768;
        const buffer = Buffer.alloc(chunkFrames * BYTES_PER_FRAME);
        for (let frame = 0; frame < endFrame && tool.child.exitCode === null && tool.child.signalCode === null; frame += chunkFrames) {
          const frames = Math.min(chunkFrames, endFrame - frame);
          const { bytesRead } = await file.read(buffer, 0, frames * BYTES_PER_FRAME, frame * BYTES_PER_FRAME);
          const samples = new Float32Array(buffer.buffer, buffer.byteOffset, bytesRead / 4);
          scaleWithFadeOut(samples, frame, gain, endFrame - fadeFrames, fadeFrames);
          const out = Buffer.from(samples.buffer, samples.byteOffset, bytesRead);
          if (!stdin.write(out)) await waitForDrainOrExit(stdin, tool.exit);
          onProgress?.({ stage: 'encoding', fraction: (frame + frames) / endFrame });
        }
      } finally {
        await file.close();
        stdin.end();
      }
      const exit = await tool.exit;
      options.signal.throwIfAborted();
      if (exit.error) throw spawnFailure(ffmpeg, exit.error, FFMPEG.debianPackage);
      if (exit.code !== 0) throw new RenderError(`ffmpeg failed (${exitDescription(exit)}): ${stderrSummary(exit.stderr)}`);
    },
  };
}

function waitForDrainOrExit(stream: NodeJS.WritableStream, exit: Promise<unknown>): Promise<void> {
  return Promise.race([new Promise<void>((resolve) => stream.once('drain', resolve)), exit.then(() => undefined)]);
}

/** Multiply interleaved stereo samples by `gain`, fading linearly to zero over the last frames. */
function scaleWithFadeOut(samples: Float32Array, firstFrame: number, gain: number, fadeStart: number, fadeFrames: number): void {
  for (let i = 0; i < samples.length; i += 2) {
    const frame = firstFrame + i / 2;
    const g = frame < fadeStart ? gain : gain * Math.max(0, 1 - (frame - fadeStart + 1) / fadeFrames);
    samples[i] = (samples[i] as number) * g;
    samples[i + 1] = (samples[i + 1] as number) * g;
  }
}
