/**
 * ffmpeg → Ogg/Opus from PCM in memory. ffmpeg is started together with FluidSynth and waits on
 * stdin, so its start-up overlaps the synthesis. Gain and fade-out are applied here in Node (a
 * multiply per sample, in place, just before each block is written) because the gain is only known
 * once the whole piece has been measured; ffmpeg's look-ahead limiter then keeps the peaks under
 * the ceiling.
 *
 * Encoding cannot start before synthesis ends, and libopus is single-threaded, so a long piece can
 * be cut into consecutive segments encoded by one ffmpeg each, in parallel (`segments` > 1; it
 * pays only where a core is idle: each extra ffmpeg costs about 0.1 CPU-s to start). Their Opus packets are
 * joined into one stream (ogg.ts). The cuts fall on 20 ms packet boundaries; every segment after
 * the first starts encoding half a second early (the packets from that run-in are dropped) so the
 * encoder and the limiter have settled to the same state as the run before the cut. What a
 * decoder plays across a cut differs from a one-run encode by less than the codec's own noise
 * (test/render/encoder.test.ts).
 */
import { spawnFailure, startTool, stderrSummary, type RunningTool } from './child-process.js';
import { RenderError } from './errors.js';
import { dbToAmplitude } from './loudness.js';
import { readOggPackets, writeOggStream, type OggPacketOut } from './ogg.js';
import { CHANNELS, exitDescription } from './synthesis.js';
import { FFMPEG } from './tools.js';

/**
 * libopus complexity (0–10). At 128 kbit/s in CELT mode the difference between 0 and 10 is not
 * audible on rendered music, and 0 encodes about twice as fast as 10.
 */
export const OPUS_COMPLEXITY = 0;

/** 20 ms at 48 kHz: one Opus packet (ffmpeg's default frame duration, what Discord voice sends). */
export const PACKET_FRAMES = 960;
/** Run-in of every segment after the first, in packets (0.5 s). */
export const RUN_IN_PACKETS = 25;
/** Packets the segment before a cut encodes beyond it, so the last kept ones saw their look-ahead. */
const RUN_OUT_PACKETS = 2;
/** Shortest segment worth its own ffmpeg, in seconds. */
const MIN_SEGMENT_SECONDS = 5;

/** Blocks of about 0.7 s: small enough for progress, large enough to keep ffmpeg fed. */
const BLOCK_FRAMES = 32_768;

export interface EncoderOptions {
  readonly sampleRate: number;
  /** The limiter's ceiling, dBFS. */
  readonly ceilingDb: number;
  readonly bitrateKbps: number;
  readonly complexity: number;
  readonly title: string | undefined;
  /** ffmpeg processes to start (parallel segments); fewer are used when the audio is short. */
  readonly segments: number;
  readonly signal: AbortSignal;
}

export interface EncodeRequest {
  /** Interleaved stereo samples; scaled in place. */
  readonly pcm: Float32Array;
  /** Frames [0, endFrame) are encoded. */
  readonly endFrame: number;
  readonly gainDb: number;
  /** Linear fade to silence over this many final frames. */
  readonly fadeFrames: number;
  readonly onProgress?: ((fraction: number) => void) | undefined;
}

export interface Encoder {
  /** The Ogg/Opus file's bytes. */
  encode(request: EncodeRequest): Promise<Uint8Array>;
  /** Stops every ffmpeg still running (error paths) and waits until they have exited. */
  abandon(): Promise<void>;
}

export function ffmpegArgs(options: Omit<EncoderOptions, 'signal' | 'segments'>): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-v',
    'error',
    '-f',
    'f32le',
    '-ar',
    String(options.sampleRate),
    '-ac',
    String(CHANNELS),
    '-i',
    'pipe:0',
    // Look-ahead limiter with delay compensation: a no-op below the ceiling, cheap above it.
    '-af',
    `alimiter=limit=${dbToAmplitude(options.ceilingDb).toFixed(4)}:attack=5:release=80:level=false:latency=true`,
    '-map_metadata',
    '-1',
    ...(options.title ? ['-metadata', `title=${options.title}`] : []),
    '-c:a',
    'libopus',
    '-b:a',
    `${options.bitrateKbps}k`,
    '-vbr',
    'on',
    '-application',
    'audio',
    '-frame_duration',
    '20',
    '-compression_level',
    String(options.complexity),
    '-ar',
    String(options.sampleRate),
    '-ac',
    String(CHANNELS),
    '-f',
    'ogg',
    'pipe:1',
  ];
}

/** One segment: frames [from, to) go in; packets [keepFrom, keepTo) of its output are kept. */
export interface Segment {
  readonly from: number;
  readonly to: number;
  /** First kept packet, counted from the segment's own start. */
  readonly keepFrom: number;
  /** Packets kept; undefined: all that follow. */
  readonly keep: number | undefined;
}

/** Cut `endFrame` frames into at most `count` segments on packet boundaries. */
export function planSegments(endFrame: number, count: number, sampleRate: number): Segment[] {
  const usable = Math.max(1, Math.min(count, Math.floor(endFrame / (MIN_SEGMENT_SECONDS * sampleRate))));
  const cuts = [0];
  for (let i = 1; i < usable; i++) cuts.push(Math.round((endFrame * i) / usable / PACKET_FRAMES) * PACKET_FRAMES);
  return cuts.map((cut, i) => {
    const next = cuts[i + 1];
    const from = Math.max(0, cut - RUN_IN_PACKETS * PACKET_FRAMES);
    return {
      from,
      to: next === undefined ? endFrame : Math.min(endFrame, next + RUN_OUT_PACKETS * PACKET_FRAMES),
      keepFrom: (cut - from) / PACKET_FRAMES,
      keep: next === undefined ? undefined : (next - cut) / PACKET_FRAMES,
    };
  });
}

interface RunningEncoder {
  readonly tool: RunningTool;
  readonly output: Promise<Uint8Array>;
}

export function startEncoder(ffmpeg: string, options: EncoderOptions): Encoder {
  const args = ffmpegArgs(options);
  const encoders: RunningEncoder[] = Array.from({ length: Math.max(1, options.segments) }, () => {
    const tool = startTool(ffmpeg, args, options.signal, { stdin: true });
    // EPIPE when ffmpeg dies early: the exit code reports it.
    tool.child.stdin.on('error', () => undefined);
    const chunks: Buffer[] = [];
    tool.child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const output = tool.exit.then((exit) => {
      options.signal.throwIfAborted();
      if (exit.error) throw spawnFailure(ffmpeg, exit.error, FFMPEG.debianPackage);
      if (exit.code !== 0) throw new RenderError(`ffmpeg failed (${exitDescription(exit)}): ${stderrSummary(exit.stderr)}`);
      return new Uint8Array(Buffer.concat(chunks));
    });
    output.catch(() => undefined); // awaited in encode(); abandoned encoders must not be unhandled
    return { tool, output };
  });
  const abandon = async (): Promise<void> => {
    for (const { tool } of encoders) if (tool.child.exitCode === null && tool.child.signalCode === null) tool.child.kill('SIGKILL');
    await Promise.all(encoders.map(({ tool }) => tool.exit));
  };
  return {
    abandon,
    async encode({ pcm, endFrame, gainDb, fadeFrames, onProgress }) {
      const gain = dbToAmplitude(gainDb);
      const fade = Math.min(endFrame, fadeFrames);
      // Scale everything first: the run-in of one segment is the end of the one before it.
      scaleWithFadeOut(pcm.subarray(0, endFrame * CHANNELS), 0, gain, endFrame - fade, fade);
      const segments = planSegments(endFrame, encoders.length, options.sampleRate);
      const used = encoders.slice(0, segments.length);
      for (const { tool } of encoders.slice(segments.length)) tool.child.kill('SIGKILL');
      const total = segments.reduce((n, s) => n + s.to - s.from, 0);
      let sent = 0;
      await Promise.all(
        segments.map(async (segment, i) => {
          const tool = (used[i] as RunningEncoder).tool;
          const stdin = tool.child.stdin;
          try {
            for (let frame = segment.from; frame < segment.to; frame += BLOCK_FRAMES) {
              if (tool.child.exitCode !== null || tool.child.signalCode !== null) break;
              const frames = Math.min(BLOCK_FRAMES, segment.to - frame);
              const block = pcm.subarray(frame * CHANNELS, (frame + frames) * CHANNELS);
              // A view, not a copy: the pipe write copies it once, into the kernel.
              if (!stdin.write(Buffer.from(block.buffer, block.byteOffset, block.byteLength))) await waitForDrainOrExit(stdin, tool.exit);
              sent += frames;
              onProgress?.(sent / total);
            }
          } finally {
            stdin.end();
          }
        }),
      );
      const outputs = await Promise.all(used.map((e) => e.output));
      if (outputs.length === 1) return outputs[0] as Uint8Array;
      return joinSegments(outputs, segments, endFrame);
    },
  };
}

/** One Ogg Opus stream from the segments' outputs: headers of the first, kept packets of each. */
export function joinSegments(outputs: readonly Uint8Array[], segments: readonly Segment[], endFrame: number): Uint8Array {
  const streams = outputs.map(readOggPackets);
  const first = streams[0];
  if (!first || first.packets.length < 2) throw new RenderError('ffmpeg wrote no Opus headers');
  const head = first.packets[0] as Uint8Array;
  const preSkip = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint16(10, true);
  const audio: Uint8Array[] = [];
  streams.forEach((stream, i) => {
    const segment = segments[i] as Segment;
    const packets = stream.packets.slice(2); // OpusHead, OpusTags
    const kept = packets.slice(segment.keepFrom, segment.keep === undefined ? undefined : segment.keepFrom + segment.keep);
    if (segment.keep !== undefined && kept.length !== segment.keep) {
      throw new RenderError(`ffmpeg wrote ${packets.length} Opus packets for a segment that needs ${segment.keepFrom + segment.keep}`);
    }
    audio.push(...kept);
  });
  // Packets the encoder flushed beyond the end would only be cut off again by the decoder.
  const needed = Math.ceil((preSkip + endFrame) / PACKET_FRAMES);
  if (audio.length < needed) throw new RenderError(`ffmpeg wrote ${audio.length} Opus packets where ${needed} are needed`);
  audio.length = needed;
  const finalGranule = BigInt(preSkip + endFrame);
  const out: OggPacketOut[] = audio.map((data, i) => {
    // Samples decoded so far, the pre-skip included.
    const granule = BigInt((i + 1) * PACKET_FRAMES);
    return { data, granule: granule < finalGranule ? granule : finalGranule };
  });
  // The last page's granule position (preSkip + endFrame) tells decoders where the audio ends.
  return writeOggStream(first.serial, [head, first.packets[1] as Uint8Array], out);
}

function waitForDrainOrExit(stream: NodeJS.WritableStream, exit: Promise<unknown>): Promise<void> {
  return Promise.race([new Promise<void>((resolve) => stream.once('drain', resolve)), exit.then(() => undefined)]);
}

/** Multiply interleaved stereo samples by `gain`, fading linearly to zero over the last frames. */
export function scaleWithFadeOut(samples: Float32Array, firstFrame: number, gain: number, fadeStart: number, fadeFrames: number): void {
  const frames = samples.length / CHANNELS;
  const plain = Math.max(0, Math.min(frames, fadeStart - firstFrame));
  for (let i = 0; i < plain * CHANNELS; i++) samples[i] = (samples[i] as number) * gain;
  for (let f = plain; f < frames; f++) {
    const g = gain * Math.max(0, 1 - (firstFrame + f - fadeStart + 1) / fadeFrames);
    samples[2 * f] = (samples[2 * f] as number) * g;
    samples[2 * f + 1] = (samples[2 * f + 1] as number) * g;
  }
}
