import { describe, expect, it } from 'vitest';
import { chooseGain, DEFAULT_LEVEL } from '../../src/render/audio.js';
import { analyseStereo, audibleEndFrame, StereoLevelAnalyser } from '../../src/render/loudness.js';

const RATE = 48_000;

function sine(seconds: number, amplitude: number, frequency = 1000): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE) * 2);
  for (let i = 0; i < out.length / 2; i++) {
    const v = amplitude * Math.sin((2 * Math.PI * frequency * i) / RATE);
    out[2 * i] = v;
    out[2 * i + 1] = v;
  }
  return out;
}

describe('BS.1770 loudness and peak', () => {
  it('measures a stereo 1 kHz sine at -20 dBFS as about -20 LUFS', () => {
    const a = analyseStereo(sine(3, 0.1));
    expect(a.peakDb).toBeCloseTo(-20, 1);
    expect(a.loudnessLufs).toBeGreaterThan(-20.5);
    expect(a.loudnessLufs).toBeLessThan(-19.5);
    expect(a.frames).toBe(3 * RATE);
  });

  it('gives the same answer when fed in odd-sized chunks', () => {
    const signal = sine(2, 0.3, 440);
    const whole = analyseStereo(signal);
    const analyser = new StereoLevelAnalyser();
    for (let i = 0; i < signal.length; i += 2 * 777) analyser.push(signal.subarray(i, Math.min(signal.length, i + 2 * 777)));
    const chunked = analyser.finish();
    expect(chunked.loudnessLufs).toBeCloseTo(whole.loudnessLufs, 6);
    expect(chunked.peak).toBe(whole.peak);
  });

  it('gates out silence: a tone followed by silence is as loud as the tone', () => {
    const tone = sine(2, 0.1);
    const padded = new Float32Array(tone.length * 3);
    padded.set(tone);
    expect(analyseStereo(padded).loudnessLufs).toBeCloseTo(analyseStereo(tone).loudnessLufs, 0);
    expect(analyseStereo(new Float32Array(RATE * 2)).loudnessLufs).toBe(-Infinity);
  });

  it('finds where the audible tail ends, within the note end and the tail limit', () => {
    const tone = sine(1, 0.5);
    const padded = new Float32Array(tone.length * 4);
    padded.set(tone);
    const a = analyseStereo(padded);
    const end = audibleEndFrame(a, { gainDb: 0, thresholdDb: -60, minFrames: RATE / 2, maxFrames: 10 * RATE });
    expect(end).toBeGreaterThanOrEqual(RATE);
    expect(end).toBeLessThanOrEqual(RATE + 480);
    expect(audibleEndFrame(a, { gainDb: 0, thresholdDb: -60, minFrames: 3 * RATE, maxFrames: 10 * RATE })).toBe(3 * RATE);
    expect(audibleEndFrame(a, { gainDb: 0, thresholdDb: -60, minFrames: 0, maxFrames: RATE / 4 })).toBe(RATE / 4);
  });

  it('chooses a gain towards the target, letting the limiter take at most maxLimitingDb off the peaks', () => {
    expect(chooseGain({ peakDb: -30, loudnessLufs: -36 }, DEFAULT_LEVEL)).toBeCloseTo(20);
    // Loud transients: the peak ceiling wins.
    expect(chooseGain({ peakDb: -3, loudnessLufs: -30 }, DEFAULT_LEVEL)).toBeCloseTo(2 + DEFAULT_LEVEL.maxLimitingDb);
    expect(chooseGain({ peakDb: 6, loudnessLufs: -5 }, DEFAULT_LEVEL)).toBeCloseTo(-11);
    expect(chooseGain({ peakDb: 6, loudnessLufs: -25 }, DEFAULT_LEVEL)).toBeCloseTo(1);
    expect(chooseGain({ peakDb: 6, loudnessLufs: -25 }, { ...DEFAULT_LEVEL, maxLimitingDb: 0 })).toBeCloseTo(-7);
    expect(chooseGain({ peakDb: -90, loudnessLufs: -100 }, DEFAULT_LEVEL)).toBe(DEFAULT_LEVEL.maxGainDb);
  });
});
