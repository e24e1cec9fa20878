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
import { renderAudio } from './audio.js';
import { demoPiece } from './demo-piece.js';
import { PROJECT_ROOT, resolveSoundfont } from './soundfonts.js';

export const RENDER_BENCH_GOAL = 100;

export const DATASETS_DIR = path.resolve(PROJECT_ROOT, '../shared/datasets');

export interface RenderBenchResult {
  readonly realtime_factor: number;
  readonly goal: number;
  readonly piece: string;
  readonly audio_seconds: number;
  readonly wall_seconds: number;
  readonly runs: number;
  readonly per_run_factors: number[];
  readonly soundfont: string;
}

/** The bench piece: the first Nottingham validation tune, else the test piece. */
export async function benchInput(datasetsDir = DATASETS_DIR): Promise<{ name: string; input: Uint8Array | Piece }> {
  const dir = path.join(datasetsDir, 'nottingham', 'valid');
  if (existsSync(dir)) {
    const first = readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.mid')).sort()[0];
    if (first !== undefined) return { name: `nottingham/valid/${first}`, input: new Uint8Array(await readFile(path.join(dir, first))) };
  }
  return { name: 'built-in test piece (32 bars, 4 tracks)', input: demoPiece({ bars: 32 }) };
}

export async function benchRender(options: { runs?: number; soundfont?: string; datasetsDir?: string } = {}): Promise<RenderBenchResult> {
  const runs = options.runs ?? 3;
  const soundfont = resolveSoundfont({ explicit: options.soundfont });
  const { name, input } = await benchInput(options.datasetsDir);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rhythmix-bench-'));
  try {
    const out = path.join(dir, 'bench.ogg');
    await renderAudio(input, out, { soundfont }); // warm-up: soundfont into the page cache
    const factors: number[] = [];
    let audio = 0;
    let wall = 0;
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      const result = await renderAudio(input, out, { soundfont });
      const seconds = (performance.now() - start) / 1000;
      factors.push(round(result.seconds / seconds));
      audio += result.seconds;
      wall += seconds;
    }
    return {
      realtime_factor: round(audio / wall),
      goal: RENDER_BENCH_GOAL,
      piece: name,
      audio_seconds: round(audio / runs),
      wall_seconds: Math.round((wall / runs) * 1000) / 1000,
      runs,
      per_run_factors: factors,
      soundfont,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
