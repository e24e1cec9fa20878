/**
 * Level measurement of rendered PCM, streamed chunk by chunk while FluidSynth runs so the
 * analysis costs no extra pass: sample peak, integrated loudness (ITU-R BS.1770-4: K-weighting,
 * 400 ms blocks with 75 % overlap, absolute gate −70 LUFS, relative gate −10 LU) and a coarse
 * peak envelope used to trim trailing silence once the final gain is known.
 */

export const ANALYSIS_SAMPLE_RATE = 48_000;

/** BS.1770 K-weighting at 48 kHz: a high-shelf pre-filter, then the RLB high-pass. */
const SHELF = { b0: 1.53512485958697, b1: -2.69169618940638, b2: 1.19839281085285, a1: -1.69065929318241, a2: 0.73248077421585 };
const HIGHPASS = { b0: 1, b1: -2, b2: 1, a1: -1.99004745483398, a2: 0.99007225036621 };

const SUBBLOCK_FRAMES = ANALYSIS_SAMPLE_RATE / 10; // 100 ms: the gating step
const ENVELOPE_FRAMES = ANALYSIS_SAMPLE_RATE / 100; // 10 ms: trim resolution

export interface LevelAnalysis {
  readonly frames: number;
  /** Largest absolute sample value (1.0 = full scale). */
  readonly peak: number;
  /** 20·log10(peak); −Infinity for digital silence. */
  readonly peakDb: number;
  /** Integrated loudness in LUFS; −Infinity when everything is below the absolute gate. */
  readonly loudnessLufs: number;
  /** Peak of each 10 ms stretch, in order. */
  readonly envelope: Float32Array;
  readonly envelopeFrames: number;
}

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

export class StereoLevelAnalyser {
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
    const sub = this.subblocks;
    const blockPowers: number[] = [];
    for (let j = 0; j + 3 < sub.length; j++) {
      blockPowers.push(((sub[j] as number) + (sub[j + 1] as number) + (sub[j + 2] as number) + (sub[j + 3] as number)) / 4);
    }
    // Shorter than one 400 ms block: use the mean power of what there is.
    if (blockPowers.length === 0) {
      const total = sub.reduce((s, e) => s + e * SUBBLOCK_FRAMES, 0) + this.subblockEnergy;
      blockPowers.push(this.frames > 0 ? total / this.frames : 0);
    }
    const absolute = blockPowers.filter((p) => powerToLufs(p) > -70);
    if (absolute.length === 0) return -Infinity;
    const relativeGate = powerToLufs(mean(absolute)) - 10;
    const gated = absolute.filter((p) => powerToLufs(p) > relativeGate);
    return powerToLufs(mean(gated.length > 0 ? gated : absolute));
  }
}

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

function powerToLufs(power: number): number {
  return power > 0 ? -0.691 + 10 * Math.log10(power) : -Infinity;
}

export function amplitudeToDb(amplitude: number): number {
  return amplitude > 0 ? 20 * Math.log10(amplitude) : -Infinity;
}

export function dbToAmplitude(db: number): number {
  return 10 ** (db / 20);
}

/** Measure a whole interleaved stereo buffer at once (tests, small inputs). */
export function analyseStereo(samples: Float32Array): LevelAnalysis {
  const analyser = new StereoLevelAnalyser();
  analyser.push(samples);
  return analyser.finish();
}

/**
 * Frames to keep: everything up to the last 10 ms stretch whose peak, after `gainDb`, is above
 * `thresholdDb`, but never less than `minFrames` (the last note-off) nor more than `maxFrames`.
 */
export function audibleEndFrame(
  analysis: LevelAnalysis,
  options: { gainDb: number; thresholdDb: number; minFrames: number; maxFrames: number },
): number {
  const threshold = dbToAmplitude(options.thresholdDb - options.gainDb);
  let last = -1;
  for (let i = analysis.envelope.length - 1; i >= 0; i--) {
    if ((analysis.envelope[i] as number) > threshold) {
      last = i;
      break;
    }
  }
  const audibleEnd = (last + 1) * analysis.envelopeFrames;
  const end = Math.max(options.minFrames, audibleEnd);
  return Math.max(0, Math.min(end, options.maxFrames, analysis.frames));
}
