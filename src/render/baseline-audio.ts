/**
 * The render pipeline as it was before the speed work on issue #4, kept unchanged (apart from
 * sharing the request set-up and the loudness gating with audio.ts and loudness.ts, neither of
 * which the speed work changed) so `rhythmix bench render --compare` can time old and new side by
 * side on the same machine in the same run. Not used for anything else.
 *
 * Old pipeline: one FluidSynth thread (-z 512, default environment) writes float PCM through
 * Node into a temporary file while a per-sample-object BS.1770 analyser measures it; Node then
 * reads the file back, scales it and pipes it to ffmpeg (libopus complexity 3).
 */
import { mkdir, mkdtemp, open, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Piece } from '../music/piece.js';
import { chooseGain, setUpRender, type AudioRenderResult, type RenderAudioOptions, type RenderProgress } from './audio.js';
import { spawnFailure, startTool, stderrSummary } from './child-process.js';
import { RenderError } from './errors.js';
import { ANALYSIS_SAMPLE_RATE, amplitudeToDb, audibleEndFrame, dbToAmplitude, gatedLoudness, type LevelAnalysis } from './loudness.js';
import { FFMPEG, FLUIDSYNTH } from './tools.js';

const SAMPLE_RATE = ANALYSIS_SAMPLE_RATE;
const CHANNELS = 2;
const BYTES_PER_FRAME = CHANNELS * 4; // float32 stereo

/** Audible level below which trailing audio is cut, dBFS after normalisation. */
const TRIM_THRESHOLD_DB = -60;
const FADE_OUT_SECONDS = 0.05;
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

/** The old renderAudio. */
export async function renderAudioBaseline(
  input: Uint8Array | Piece,
  outPath: string,
  options: RenderAudioOptions = {},
): Promise<AudioRenderResult> {
  const { piece, midi, tools, soundfont, notes, noteSeconds, tailSeconds, level, timeout, timer } = setUpRender(input, options);
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

// ---- the old BS.1770 analyser (one Biquad object call per sample) ----

/** BS.1770 K-weighting at 48 kHz: a high-shelf pre-filter, then the RLB high-pass. */
const SHELF = { b0: 1.53512485958697, b1: -2.69169618940638, b2: 1.19839281085285, a1: -1.69065929318241, a2: 0.73248077421585 };
const HIGHPASS = { b0: 1, b1: -2, b2: 1, a1: -1.99004745483398, a2: 0.99007225036621 };

const SUBBLOCK_FRAMES = SAMPLE_RATE / 10; // 100 ms: the gating step
const ENVELOPE_FRAMES = SAMPLE_RATE / 100; // 10 ms: trim resolution

/** Direct-form-I biquad state for one channel. */
class Biquad {
  private x1 = 0;
  private x2 = 0;
  private y1 = 0;
  private y2 = 0;
  constructor(private readonly c: typeof SHELF) {}
  step(x: number): number {
    const { b0, b1, b2, a1, a2 } = this.c;
    const y = b0 * x + b1 * this.x1 + b2 * this.x2 - a1 * this.y1 - a2 * this.y2;
    this.x2 = this.x1;
    this.x1 = x;
    this.y2 = this.y1;
    this.y1 = y;
    return y;
  }
}

class StereoLevelAnalyser {
  private readonly filters = [0, 1].map(() => [new Biquad(SHELF), new Biquad(HIGHPASS)] as const);
  private frames = 0;
  private peak = 0;
  private subblockEnergy = 0;
  private readonly subblocks: number[] = [];
  private envelopePeak = 0;
  private readonly envelope: number[] = [];

  /** Interleaved stereo float samples (L, R, L, R, …); length must be even. */
  push(samples: Float32Array): void {
    const [left, right] = this.filters as [readonly [Biquad, Biquad], readonly [Biquad, Biquad]];
    let { frames, peak, subblockEnergy, envelopePeak } = this;
    for (let i = 0; i + 1 < samples.length; i += 2) {
      const l = samples[i] as number;
      const r = samples[i + 1] as number;
      const a = Math.max(Math.abs(l), Math.abs(r));
      if (a > envelopePeak) envelopePeak = a;
      const kl = left[1].step(left[0].step(l));
      const kr = right[1].step(right[0].step(r));
      subblockEnergy += kl * kl + kr * kr;
      frames++;
      if (frames % ENVELOPE_FRAMES === 0) {
        this.envelope.push(envelopePeak);
        if (envelopePeak > peak) peak = envelopePeak;
        envelopePeak = 0;
      }
      if (frames % SUBBLOCK_FRAMES === 0) {
        this.subblocks.push(subblockEnergy / SUBBLOCK_FRAMES);
        subblockEnergy = 0;
      }
    }
    Object.assign(this, { frames, peak, subblockEnergy, envelopePeak });
  }

  finish(): LevelAnalysis {
    const envelope = [...this.envelope];
    if (this.frames % ENVELOPE_FRAMES !== 0) envelope.push(this.envelopePeak);
    const peak = Math.max(this.peak, this.envelopePeak);
    return {
      frames: this.frames,
      peak,
      peakDb: amplitudeToDb(peak),
      loudnessLufs: this.integratedLoudness(),
      envelope: Float32Array.from(envelope),
      envelopeFrames: ENVELOPE_FRAMES,
    };
  }

  private integratedLoudness(): number {
    return gatedLoudness(this.subblocks, this.subblockEnergy, this.frames);
  }
}
