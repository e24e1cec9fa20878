/**
 * Runs FluidSynth and collects its float PCM in memory (8 bytes per stereo frame: 23 MB per
 * minute of audio) while measuring peak and loudness as the samples arrive, so the analysis costs
 * no extra pass and nothing touches the disk.
 */
import { spawnFailure, startTool, stderrSummary } from './child-process.js';
import { RenderError } from './errors.js';
import { fluidsynthArgs, fluidsynthEnv } from './fluidsynth.js';
import { StereoLevelAnalyser, type LevelAnalysis } from './loudness.js';
import { FLUIDSYNTH } from './tools.js';

export const CHANNELS = 2;
const BYTES_PER_FRAME = CHANNELS * 4; // float32 stereo

export interface SynthesisOptions {
  readonly sampleRate: number;
  readonly threads: number;
  /** FluidSynth is stopped once it has produced this many frames. */
  readonly maxFrames: number;
  readonly signal: AbortSignal;
  readonly onProgress: ((fraction: number) => void) | undefined;
}

export interface Synthesis extends LevelAnalysis {
  /** Interleaved stereo samples, `frames` long. */
  readonly pcm: Float32Array;
  readonly stderr: string;
}

export async function synthesize(fluidsynth: string, soundfont: string, midiPath: string, options: SynthesisOptions): Promise<Synthesis> {
  const args = fluidsynthArgs(soundfont, midiPath, { sampleRate: options.sampleRate, threads: options.threads });
  const tool = startTool(fluidsynth, args, options.signal, { env: fluidsynthEnv() });
  // Zero-filled large buffers are mapped lazily: a piece that ends early costs only what it fills.
  const pcm = new Float32Array(options.maxFrames * CHANNELS);
  const bytes = new Uint8Array(pcm.buffer);
  const analyser = new StereoLevelAnalyser();
  let written = 0;
  let analysedFrames = 0;
  let stoppedEarly = false;
  let lastReport = -1;
  try {
    for await (const chunk of tool.child.stdout as AsyncIterable<Buffer>) {
      const take = Math.min(chunk.length, bytes.length - written);
      bytes.set(take === chunk.length ? chunk : chunk.subarray(0, take), written);
      written += take;
      const frames = Math.floor(written / BYTES_PER_FRAME);
      analyser.push(pcm.subarray(analysedFrames * CHANNELS, frames * CHANNELS));
      analysedFrames = frames;
      const fraction = written / bytes.length;
      if (options.onProgress && fraction - lastReport >= 0.05) {
        lastReport = fraction;
        options.onProgress(fraction);
      }
      if (written === bytes.length) {
        // A MIDI's end-of-track may lie far beyond its last note: stop once the tail is done.
        stoppedEarly = true;
        tool.child.kill('SIGKILL');
        break;
      }
    }
  } catch (error) {
    tool.child.kill('SIGKILL');
    await tool.exit;
    throw error;
  }
  const exit = await tool.exit;
  options.signal.throwIfAborted();
  if (exit.error && !stoppedEarly) throw spawnFailure(fluidsynth, exit.error, FLUIDSYNTH.debianPackage);
  if (!stoppedEarly && exit.code !== 0) {
    throw new RenderError(`fluidsynth failed (${exitDescription(exit)}): ${stderrSummary(exit.stderr)}`);
  }
  options.onProgress?.(1);
  const analysis = analyser.finish();
  if (analysis.frames === 0 && exit.stderr !== '') {
    throw new RenderError(`fluidsynth produced no audio: ${stderrSummary(exit.stderr)}`);
  }
  return { ...analysis, pcm: pcm.subarray(0, analysis.frames * CHANNELS), stderr: exit.stderr };
}

export function exitDescription(exit: { code: number | null; signal: NodeJS.Signals | null }): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}
