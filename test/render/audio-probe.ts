/** Test helpers: inspect an encoded file with ffprobe/ffmpeg, independently of the code under test. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findOnPath } from '../../src/render/tools.js';
import { SYSTEM_SOUNDFONTS } from '../../src/render/soundfonts.js';

export const HAVE_FFMPEG = findOnPath('ffmpeg') !== undefined && findOnPath('ffprobe') !== undefined;

export const HAVE_RENDER_TOOLS =
  findOnPath('fluidsynth') !== undefined &&
  findOnPath('ffmpeg') !== undefined &&
  findOnPath('ffprobe') !== undefined &&
  (SYSTEM_SOUNDFONTS.some((f) => existsSync(f)) || process.env.SOUNDFONT !== undefined);

export interface ProbedAudio {
  readonly codec: string;
  readonly sampleRate: number;
  readonly channels: number;
  readonly seconds: number;
  readonly format: string;
}

export function probe(file: string): ProbedAudio {
  const json = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file], { encoding: 'utf8' })) as {
    streams: Array<{ codec_name: string; sample_rate: string; channels: number; codec_type: string }>;
    format: { duration: string; format_name: string };
  };
  const audio = json.streams.filter((s) => s.codec_type === 'audio');
  if (audio.length !== 1 || !audio[0]) throw new Error(`expected one audio stream in ${file}, found ${audio.length}`);
  return {
    codec: audio[0].codec_name,
    sampleRate: Number(audio[0].sample_rate),
    channels: audio[0].channels,
    seconds: Number(json.format.duration),
    format: json.format.format_name,
  };
}

/** Decode to interleaved float PCM with ffmpeg (not with the code under test). */
export function decode(file: string): Float32Array {
  const bytes = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'f32le', '-ac', '2', '-ar', '48000', '-'], {
    maxBuffer: 1 << 30,
  });
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
}

/** Decode Ogg/Opus bytes given in memory. */
export function decodeBytes(bytes: Uint8Array): Float32Array {
  const out = execFileSync('ffmpeg', ['-v', 'error', '-i', 'pipe:0', '-f', 'f32le', '-ac', '2', '-ar', '48000', '-'], {
    input: bytes,
    maxBuffer: 1 << 30,
  });
  return new Float32Array(out.buffer, out.byteOffset, out.length / 4);
}

export function levels(samples: Float32Array): { peakDb: number; rmsDb: number } {
  let peak = 0;
  let sum = 0;
  for (const s of samples) {
    peak = Math.max(peak, Math.abs(s));
    sum += s * s;
  }
  return { peakDb: 20 * Math.log10(peak), rmsDb: 10 * Math.log10(sum / samples.length) };
}
