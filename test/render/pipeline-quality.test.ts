/**
 * Quality guard for the fast render pipeline: against the pipeline from before the speed work
 * (baseline-audio.ts), on the same piece, it must give the same length, loudness and peak, and
 * audio that differs by no more than two Opus encodes of the same signal do.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderAudio } from '../../src/render/audio.js';
import { renderAudioBaseline } from '../../src/render/baseline-audio.js';
import { demoPiece } from '../../src/render/demo-piece.js';
import { analyseStereo } from '../../src/render/loudness.js';
import { decode, HAVE_RENDER_TOOLS, levels, probe } from './audio-probe.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rhythmix-test-quality-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function correlation(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    ab += (a[i] as number) * (b[i] as number);
    aa += (a[i] as number) ** 2;
    bb += (b[i] as number) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

/** Power of a − b relative to the power of b, dB. */
function differenceDb(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let power = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    diff += ((a[i] as number) - (b[i] as number)) ** 2;
    power += (b[i] as number) ** 2;
  }
  return 10 * Math.log10(diff / power);
}

describe.skipIf(!HAVE_RENDER_TOOLS)('the fast pipeline against the one before it', () => {
  it('keeps length, loudness, peak and sound (two voice threads, two encoder segments joined)', async () => {
    // 24 s with drums: long enough that both voice threads and two encoder segments are used.
    const piece = demoPiece({ bars: 12, bpm: 120 });
    const [fast, old] = await Promise.all([
      renderAudio(piece, path.join(dir, 'fast.ogg'), { synthThreads: 2, encoderSegments: 2 }),
      renderAudioBaseline(piece, path.join(dir, 'old.ogg'), {}),
    ]);
    expect(fast.seconds).toBeGreaterThan(24);
    expect(Math.abs(fast.seconds - old.seconds)).toBeLessThan(0.05);
    expect(Math.abs(fast.gainDb - old.gainDb)).toBeLessThan(0.1);
    expect(Math.abs(fast.loudness - old.loudness)).toBeLessThan(0.1);
    expect(fast.loudness).toBeLessThanOrEqual(-16 + 1e-9);
    expect(fast.peakDb).toBeLessThanOrEqual(-1 + 1e-9);

    expect(probe(fast.path)).toMatchObject({ format: 'ogg', codec: 'opus', sampleRate: 48_000, channels: 2 });
    const a = decode(fast.path);
    const b = decode(old.path);
    expect(a.length).toBe(Math.round(fast.seconds * 48_000) * 2);
    expect(Math.abs(a.length - b.length)).toBeLessThanOrEqual(2 * 480);
    const decoded = analyseStereo(a);
    expect(Math.abs(decoded.loudnessLufs - fast.loudness)).toBeLessThan(1);
    expect(levels(a).peakDb).toBeLessThanOrEqual(0);
    expect(correlation(a, b)).toBeGreaterThan(0.99);
    expect(differenceDb(a, b)).toBeLessThan(-15);
    expect(readdirSync(dir).filter((f) => f.includes('.partial-'))).toEqual([]);
  });

  it('renders the same audio on one voice thread and one encoder as on two', async () => {
    const piece = demoPiece({ bars: 12, bpm: 120 });
    const one = await renderAudio(piece, path.join(dir, 'one.ogg'), { synthThreads: 1, encoderSegments: 1 });
    const two = await renderAudio(piece, path.join(dir, 'two.ogg'), { synthThreads: 2, encoderSegments: 2 });
    expect(two.seconds).toBe(one.seconds);
    expect(two.gainDb).toBe(one.gainDb);
    const a = decode(one.path);
    const b = decode(two.path);
    expect(b.length).toBe(a.length);
    expect(correlation(a, b)).toBeGreaterThan(0.999);
  });
});
