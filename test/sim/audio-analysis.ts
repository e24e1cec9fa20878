import { CHANNELS, SAMPLE_RATE, decodeOpusPackets } from './opus-decode.js';

/** The Opus "silence" frame @discordjs/voice sends when it has nothing to play and to end a stream. */
export const SILENCE_FRAME = Buffer.from([0xf8, 0xff, 0xfe]);

export interface ReceivedPacket {
  sequence: number;
  timestamp: number;
  ssrc: number;
  /** performance.now() when the datagram arrived. */
  receivedAtMs: number;
  opus: Buffer;
  silence: boolean;
  /** With DAVE: whether the frame was end-to-end encrypted, and which simulated listeners were members and decrypted it. */
  dave?: { e2ee: boolean; members: readonly string[]; heardBy: readonly string[] };
}

export interface TimingReport {
  packets: number;
  /** Arrival span from first to last packet. */
  spanMs: number;
  meanIntervalMs: number;
  maxGapMs: number;
  /** Inter-arrival gaps over the threshold (default 40 ms, two frames). */
  gaps: Array<{ afterSequence: number; ms: number }>;
  /** Sequence numbers that never arrived (RTP sequence discontinuities). */
  lostPackets: number;
}

export function analyseTiming(packets: readonly ReceivedPacket[], gapThresholdMs = 40): TimingReport {
  const gaps: TimingReport['gaps'] = [];
  let maxGapMs = 0;
  let lostPackets = 0;
  for (let i = 1; i < packets.length; i++) {
    const previous = packets[i - 1]!;
    const current = packets[i]!;
    const interval = current.receivedAtMs - previous.receivedAtMs;
    maxGapMs = Math.max(maxGapMs, interval);
    if (interval > gapThresholdMs) gaps.push({ afterSequence: previous.sequence, ms: Math.round(interval) });
    lostPackets += ((current.sequence - previous.sequence + 0x10000) % 0x10000) - 1;
  }
  const first = packets[0];
  const last = packets[packets.length - 1];
  const spanMs = first && last ? last.receivedAtMs - first.receivedAtMs : 0;
  return {
    packets: packets.length,
    spanMs,
    meanIntervalMs: packets.length > 1 ? spanMs / (packets.length - 1) : 0,
    maxGapMs,
    gaps,
    lostPackets,
  };
}

export interface PcmStats {
  durationMs: number;
  rms: number;
  peak: number;
  /** Share of 20 ms windows whose RMS is above -50 dBFS. */
  nonSilentRatio: number;
}

export function pcmStats(pcm: Int16Array): PcmStats {
  const frame = (SAMPLE_RATE / 50) * CHANNELS;
  let sumSquares = 0;
  let peak = 0;
  let loudFrames = 0;
  let frames = 0;
  for (let start = 0; start < pcm.length; start += frame) {
    let frameSquares = 0;
    const end = Math.min(pcm.length, start + frame);
    for (let i = start; i < end; i++) {
      const sample = pcm[i]! / 32768;
      frameSquares += sample * sample;
      peak = Math.max(peak, Math.abs(sample));
    }
    sumSquares += frameSquares;
    frames++;
    if (Math.sqrt(frameSquares / (end - start)) > 10 ** (-50 / 20)) loudFrames++;
  }
  return {
    durationMs: (pcm.length / CHANNELS / SAMPLE_RATE) * 1000,
    rms: pcm.length ? Math.sqrt(sumSquares / pcm.length) : 0,
    peak,
    nonSilentRatio: frames ? loudFrames / frames : 0,
  };
}

/** Normalised correlation at zero lag over the common length (1 = identical shape). */
export function correlation(a: Int16Array, b: Int16Array): number {
  const length = Math.min(a.length, b.length);
  let dot = 0;
  let energyA = 0;
  let energyB = 0;
  for (let i = 0; i < length; i++) {
    dot += a[i]! * b[i]!;
    energyA += a[i]! * a[i]!;
    energyB += b[i]! * b[i]!;
  }
  return energyA && energyB ? dot / Math.sqrt(energyA * energyB) : 0;
}

export interface AudioComparison {
  sourcePackets: number;
  receivedPackets: number;
  /** Received packets byte-identical to the source packet at the same position. */
  identicalPackets: number;
  /** Index of the first differing packet, or -1. */
  firstMismatch: number;
  correlation: number;
  sourceDurationMs: number;
  receivedDurationMs: number;
}

/**
 * Compares what arrived with the source Opus packets. Silence frames the player inserts (nothing
 * to send, end of stream) are left out; both sides are decoded the same way before correlating.
 */
export function compareWithSource(received: readonly ReceivedPacket[], sourcePackets: readonly Buffer[]): AudioComparison {
  const audio = received.filter((packet) => !packet.silence).map((packet) => packet.opus);
  let identicalPackets = 0;
  let firstMismatch = -1;
  for (let i = 0; i < Math.max(audio.length, sourcePackets.length); i++) {
    const a = audio[i];
    const b = sourcePackets[i];
    if (a && b && a.equals(b)) identicalPackets++;
    else if (firstMismatch === -1) firstMismatch = i;
  }
  const receivedPcm = decodeOpusPackets(audio);
  const sourcePcm = decodeOpusPackets(sourcePackets);
  return {
    sourcePackets: sourcePackets.length,
    receivedPackets: audio.length,
    identicalPackets,
    firstMismatch,
    correlation: correlation(receivedPcm, sourcePcm),
    sourceDurationMs: pcmStats(sourcePcm).durationMs,
    receivedDurationMs: pcmStats(receivedPcm).durationMs,
  };
}
