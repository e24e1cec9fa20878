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

/** Slots of StereoLevelAnalyser's state. */
const enum S {
  // K-weighting filter state, direct form I, per channel: shelf inputs x1 x2 and outputs y1 y2
  // (which are also the high-pass's inputs), high-pass outputs z1 z2.
  Lx1,
  Lx2,
  Ly1,
  Ly2,
  Lz1,
  Lz2,
  Rx1,
  Rx2,
  Ry1,
  Ry2,
  Rz1,
  Rz2,
  Frames,
  Peak,
  SubblockEnergy,
  EnvelopePeak,
  Size,
}

export class StereoLevelAnalyser {
  // All running numbers live in one Float64Array: the push loop below runs for every sample of
  // every render, and plain fields whose type changes (0 → 0.5) make V8 recompile it.
  private readonly state = new Float64Array(S.Size);
  private readonly subblocks: number[] = [];
  private readonly envelope: number[] = [];

  /** Interleaved stereo float samples (L, R, L, R, …); length must be even. */
  push(samples: Float32Array): void {
    const st = this.state;
    const sb0 = SHELF.b0,
      sb1 = SHELF.b1,
      sb2 = SHELF.b2,
      sa1 = SHELF.a1,
      sa2 = SHELF.a2;
    const ha1 = HIGHPASS.a1,
      ha2 = HIGHPASS.a2; // the high-pass's b is (1, -2, 1)
    let lx1 = st[S.Lx1] as number,
      lx2 = st[S.Lx2] as number,
      ly1 = st[S.Ly1] as number;
    let ly2 = st[S.Ly2] as number,
      lz1 = st[S.Lz1] as number,
      lz2 = st[S.Lz2] as number;
    let rx1 = st[S.Rx1] as number,
      rx2 = st[S.Rx2] as number,
      ry1 = st[S.Ry1] as number;
    let ry2 = st[S.Ry2] as number,
      rz1 = st[S.Rz1] as number,
      rz2 = st[S.Rz2] as number;
    let frames = st[S.Frames] as number,
      peak = st[S.Peak] as number;
    let subblockEnergy = st[S.SubblockEnergy] as number,
      envelopePeak = st[S.EnvelopePeak] as number;
    const end = samples.length - (samples.length % 2);
    let i = 0;
    while (i < end) {
      // Run to the next 10 ms boundary without per-sample bookkeeping.
      const untilEnvelope = ENVELOPE_FRAMES - (frames % ENVELOPE_FRAMES);
      const stop = Math.min(end, i + 2 * untilEnvelope);
      const start = i;
      for (; i < stop; i += 2) {
        const l = samples[i] as number;
        const r = samples[i + 1] as number;
        const al = l < 0 ? -l : l;
        const ar = r < 0 ? -r : r;
        if (al > envelopePeak) envelopePeak = al;
        if (ar > envelopePeak) envelopePeak = ar;
        const yl = sb0 * l + sb1 * lx1 + sb2 * lx2 - sa1 * ly1 - sa2 * ly2;
        lx2 = lx1;
        lx1 = l;
        const zl = yl - 2 * ly1 + ly2 - ha1 * lz1 - ha2 * lz2;
        ly2 = ly1;
        ly1 = yl;
        lz2 = lz1;
        lz1 = zl;
        const yr = sb0 * r + sb1 * rx1 + sb2 * rx2 - sa1 * ry1 - sa2 * ry2;
        rx2 = rx1;
        rx1 = r;
        const zr = yr - 2 * ry1 + ry2 - ha1 * rz1 - ha2 * rz2;
        ry2 = ry1;
        ry1 = yr;
        rz2 = rz1;
        rz1 = zr;
        subblockEnergy += zl * zl + zr * zr;
      }
      frames += (stop - start) / 2;
      if (frames % ENVELOPE_FRAMES === 0) {
        this.envelope.push(envelopePeak);
        if (envelopePeak > peak) peak = envelopePeak;
        envelopePeak = 0;
        // Sub-blocks are whole numbers of envelope stretches.
        if (frames % SUBBLOCK_FRAMES === 0) {
          this.subblocks.push(subblockEnergy / SUBBLOCK_FRAMES);
          subblockEnergy = 0;
        }
      }
    }
    st[S.Lx1] = lx1;
    st[S.Lx2] = lx2;
    st[S.Ly1] = ly1;
    st[S.Ly2] = ly2;
    st[S.Lz1] = lz1;
    st[S.Lz2] = lz2;
    st[S.Rx1] = rx1;
    st[S.Rx2] = rx2;
    st[S.Ry1] = ry1;
    st[S.Ry2] = ry2;
    st[S.Rz1] = rz1;
    st[S.Rz2] = rz2;
    st[S.Frames] = frames;
    st[S.Peak] = peak;
    st[S.SubblockEnergy] = subblockEnergy;
    st[S.EnvelopePeak] = envelopePeak;
  }

  private get frames(): number {
    return this.state[S.Frames] as number;
  }

  private get envelopePeak(): number {
    return this.state[S.EnvelopePeak] as number;
  }

  finish(): LevelAnalysis {
    const envelope = [...this.envelope];
    if (this.frames % ENVELOPE_FRAMES !== 0) envelope.push(this.envelopePeak);
    const peak = Math.max(this.state[S.Peak] as number, this.envelopePeak);
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
    return gatedLoudness(this.subblocks, this.state[S.SubblockEnergy] as number, this.frames);
  }
}

/**
 * BS.1770 integrated loudness (LUFS) from mean powers of consecutive 100 ms sub-blocks: 400 ms
 * blocks overlapping by 75 %, absolute gate −70 LUFS, relative gate −10 LU. `remainderEnergy`
 * is the summed power of the frames after the last full sub-block.
 */
export function gatedLoudness(subblocks: readonly number[], remainderEnergy: number, frames: number): number {
  const sub = subblocks;
  const blockPowers: number[] = [];
  for (let j = 0; j + 3 < sub.length; j++) {
    blockPowers.push(((sub[j] as number) + (sub[j + 1] as number) + (sub[j + 2] as number) + (sub[j + 3] as number)) / 4);
  }
  // Shorter than one 400 ms block: use the mean power of what there is.
  if (blockPowers.length === 0) {
    const total = sub.reduce((s, e) => s + e * SUBBLOCK_FRAMES, 0) + remainderEnergy;
    blockPowers.push(frames > 0 ? total / frames : 0);
  }
  const absolute = blockPowers.filter((p) => powerToLufs(p) > -70);
  if (absolute.length === 0) return -Infinity;
  const relativeGate = powerToLufs(mean(absolute)) - 10;
  const gated = absolute.filter((p) => powerToLufs(p) > relativeGate);
  return powerToLufs(mean(gated.length > 0 ? gated : absolute));
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
export function audibleEndFrame(analysis: LevelAnalysis, options: { gainDb: number; thresholdDb: number; minFrames: number; maxFrames: number }): number {
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
