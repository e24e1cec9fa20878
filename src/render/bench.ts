/**
 * `rhythmix bench render`: realtime factor of MIDI → Ogg/Opus (seconds of audio per second of
 * wall time) on a representative piece — a Nottingham tune from the shared data set when present
 * (what the folk style produces), else the built-in multi-track test piece.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Piece } from '../music/piece.js';
import { renderAudio, type RenderAudioOptions } from './audio.js';
import { demoPiece } from './demo-piece.js';
import { PROJECT_ROOT, resolveSoundfont } from './soundfonts.js';

export const RENDER_BENCH_GOAL = 100;

export const DATASETS_DIR = path.resolve(PROJECT_ROOT, '../shared/datasets');

export interface PipelineTiming {
  /** Total audio seconds over total wall seconds of the timed runs. */
  readonly realtime_factor: number;
  readonly median_realtime_factor: number;
  readonly best_realtime_factor: number;
  /** Mean wall time of one render, seconds. */
  readonly wall_seconds: number;
  readonly per_run_factors: number[];
}

export interface RenderBenchResult extends PipelineTiming {
  readonly goal: number;
  readonly piece: string;
  readonly audio_seconds: number;
  readonly runs: number;
  readonly soundfont: string;
  /** 1-minute load average before and after the runs: the machine may be shared. */
  readonly load_average: readonly [number, number];
}

/** The bench piece: the first Nottingham validation tune, else the test piece. */
export async function benchInput(datasetsDir = DATASETS_DIR): Promise<{ name: string; input: Uint8Array | Piece }> {
  const dir = path.join(datasetsDir, 'nottingham', 'valid');
  if (existsSync(dir)) {
    const first = readdirSync(dir)
      .filter((f) => f.toLowerCase().endsWith('.mid'))
      .sort()[0];
    if (first !== undefined) return { name: `nottingham/valid/${first}`, input: new Uint8Array(await readFile(path.join(dir, first))) };
  }
  return { name: 'built-in test piece (32 bars, 4 tracks)', input: demoPiece({ bars: 32 }) };
}

export interface RenderBenchOptions {
  readonly runs?: number;
  readonly soundfont?: string;
  readonly datasetsDir?: string;
  /** ffmpeg processes per render (RenderAudioOptions.encoderSegments). */
  readonly encoders?: number;
  /** Called after each timed run (progress display). */
  readonly onRun?: (done: number, total: number) => void;
}

export async function benchRender(options: RenderBenchOptions = {}): Promise<RenderBenchResult> {
  const runs = options.runs ?? 3;
  const soundfont = resolveSoundfont({ explicit: options.soundfont });
  const { name, input } = await benchInput(options.datasetsDir);
  const renderOptions: RenderAudioOptions = { soundfont, ...(options.encoders ? { encoderSegments: options.encoders } : {}) };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rhythmix-bench-'));
  const loadBefore = os.loadavg()[0] ?? 0;
  try {
    const out = path.join(dir, 'bench.ogg');
    // Warm-up: the soundfont into the page cache, the code paths compiled.
    await renderAudio(input, out, renderOptions);
    const walls: number[] = [];
    const audio: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      const result = await renderAudio(input, out, renderOptions);
      walls.push((performance.now() - start) / 1000);
      audio.push(result.seconds);
      options.onRun?.(i + 1, runs);
    }
    return {
      ...timing(audio, walls),
      goal: RENDER_BENCH_GOAL,
      piece: name,
      audio_seconds: round(audio.reduce((s, v) => s + v, 0) / runs),
      runs,
      soundfont,
      load_average: [round(loadBefore, 2), round(os.loadavg()[0] ?? 0, 2)],
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function timing(audio: readonly number[], walls: readonly number[]): PipelineTiming {
  const factors = walls.map((wall, i) => (audio[i] as number) / wall);
  const sorted = [...factors].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 === 1 ? (sorted[Math.floor(mid)] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  const totalWall = walls.reduce((s, v) => s + v, 0);
  return {
    realtime_factor: round(audio.reduce((s, v) => s + v, 0) / totalWall),
    median_realtime_factor: round(median),
    best_realtime_factor: round(sorted[sorted.length - 1] ?? 0),
    wall_seconds: round(totalWall / walls.length, 3),
    per_run_factors: factors.map((f) => round(f)),
  };
}

function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
