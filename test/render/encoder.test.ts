import { describe, expect, it } from 'vitest';
import { PACKET_FRAMES, RUN_IN_PACKETS, planSegments, scaleWithFadeOut, startEncoder } from '../../src/render/encoder.js';
import { readOggPackets } from '../../src/render/ogg.js';
import { decodeBytes, HAVE_FFMPEG } from './audio-probe.js';

const RATE = 48_000;

/** Plucked, decaying chords with a loud attack exactly on the cut between two segments. */
function music(seconds: number, attackAt: number): Float32Array {
  const frames = Math.round(seconds * RATE);
  const pcm = new Float32Array(frames * 2);
  const onsets = [0, 0.7, 1.9, 2.5, 3.3, 4.6, 5.2, attackAt / RATE, 7.4, 8.8, 9.9, 11.1].filter((t) => t < seconds);
  onsets.forEach((onset, n) => {
    const start = Math.round(onset * RATE);
    for (const [k, freq] of [196, 247, 294, 392 * (1 + (n % 3) / 12)].entries()) {
      for (let i = start; i < frames; i++) {
        const t = (i - start) / RATE;
        const v = 0.12 * Math.exp(-2.5 * t) * Math.sin(2 * Math.PI * freq * t + k);
        pcm[2 * i] = (pcm[2 * i] as number) + v;
        pcm[2 * i + 1] = (pcm[2 * i + 1] as number) + v * (0.8 + 0.05 * k);
      }
    }
  });
  return pcm;
}

function encode(pcm: Float32Array, endFrame: number, segments: number, gainDb = 0): Promise<Uint8Array> {
  const encoder = startEncoder('ffmpeg', {
    sampleRate: RATE,
    ceilingDb: -1,
    bitrateKbps: 128,
    complexity: 0,
    title: 'test',
    segments,
    signal: new AbortController().signal,
  });
  return encoder.encode({ pcm: Float32Array.from(pcm), endFrame, gainDb, fadeFrames: 2400 });
}

/** Error power of `decoded` against `reference` over frames [from, to), in dB below the reference. */
function snrDb(decoded: Float32Array, reference: Float32Array, from: number, to: number): number {
  let signal = 0;
  let error = 0;
  for (let i = 2 * from; i < 2 * to; i++) {
    signal += (reference[i] as number) ** 2;
    error += ((decoded[i] as number) - (reference[i] as number)) ** 2;
  }
  return 10 * Math.log10(signal / Math.max(error, 1e-30));
}

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

describe('segment plan', () => {
  it('cuts on packet boundaries, with a run-in before each cut and every packet kept once', () => {
    const endFrame = 60 * RATE + 123;
    const segments = planSegments(endFrame, 2, RATE);
    expect(segments).toHaveLength(2);
    const [first, second] = segments as [(typeof segments)[0], (typeof segments)[0]];
    const cut = first.keep! * PACKET_FRAMES;
    expect(cut % PACKET_FRAMES).toBe(0);
    expect(Math.abs(cut - endFrame / 2)).toBeLessThanOrEqual(PACKET_FRAMES);
    expect(first).toMatchObject({ from: 0, keepFrom: 0 });
    expect(first.to).toBeGreaterThan(cut); // it sees past the cut (look-ahead)
    expect(second).toMatchObject({ from: cut - RUN_IN_PACKETS * PACKET_FRAMES, to: endFrame, keepFrom: RUN_IN_PACKETS, keep: undefined });
  });

  it('keeps short audio in one segment', () => {
    expect(planSegments(4 * RATE, 2, RATE)).toEqual([{ from: 0, to: 4 * RATE, keepFrom: 0, keep: undefined }]);
    expect(planSegments(60 * RATE, 1, RATE)).toHaveLength(1);
  });

  it('scales with a linear fade to silence at the end', () => {
    const samples = new Float32Array(20).fill(1);
    scaleWithFadeOut(samples, 0, 2, 6, 4);
    expect(Array.from(samples.subarray(0, 12))).toEqual([2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    expect(Array.from(samples.subarray(12))).toEqual([1.5, 1.5, 1, 1, 0.5, 0.5, 0, 0]);
  });
});

describe.skipIf(!HAVE_FFMPEG)('encoding in parallel segments', () => {
  it('joins the segments into one stream that plays like a one-run encode: same length, no click at the cut', async () => {
    const endFrame = 12 * RATE + 500;
    const cut = (planSegments(endFrame, 2, RATE)[0]?.keep ?? 0) * PACKET_FRAMES;
    const source = music(12.1, cut);
    const [single, split] = await Promise.all([encode(source, endFrame, 1), encode(source, endFrame, 2)]);
    expect(readOggPackets(split).packets.length).toBe(2 + Math.ceil((312 + endFrame) / PACKET_FRAMES));
    const a = decodeBytes(single);
    const b = decodeBytes(split);
    expect(b.length).toBe(endFrame * 2);
    expect(a.length).toBe(endFrame * 2);
    expect(correlation(a, b)).toBeGreaterThan(0.999);
    // Around the cut (±50 ms, an attack right on it) the joined stream is as close to the source
    // as the one-run encode is: no gap, click or level step.
    const window = [cut - 2400, cut + 2400] as const;
    const joined = snrDb(b, source, ...window);
    const reference = snrDb(a, source, ...window);
    expect(reference).toBeGreaterThan(10);
    expect(joined).toBeGreaterThan(reference - 1);
    // And the largest sample difference there is small next to the signal.
    let maxDiff = 0;
    for (let i = 2 * window[0]; i < 2 * window[1]; i++) maxDiff = Math.max(maxDiff, Math.abs((a[i] as number) - (b[i] as number)));
    expect(maxDiff).toBeLessThan(0.05);
  });
});
