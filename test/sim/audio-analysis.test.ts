import { describe, expect, it } from 'vitest';
import { SILENCE_FRAME, analyseTiming, compareWithSource, correlation, pcmStats, type ReceivedPacket } from './audio-analysis.js';
import { readOggPackets } from './ogg.js';

const packet = (sequence: number, receivedAtMs: number, opus: Buffer = SILENCE_FRAME): ReceivedPacket => ({
  sequence,
  timestamp: sequence * 960,
  ssrc: 1,
  receivedAtMs,
  opus,
  silence: opus.equals(SILENCE_FRAME),
});

describe('analyseTiming', () => {
  it('reports gaps over the threshold and lost sequence numbers across the 16-bit wrap', () => {
    const report = analyseTiming([packet(65534, 0), packet(65535, 20), packet(1, 85), packet(2, 105)]);
    expect(report.gaps).toEqual([{ afterSequence: 65535, ms: 65 }]);
    expect(report.lostPackets).toBe(1);
    expect(report.maxGapMs).toBe(65);
    expect(report.spanMs).toBe(105);
  });
});

describe('pcm helpers', () => {
  it('measures duration, level and silence', () => {
    const pcm = new Int16Array(48_000 * 2); // one second of stereo
    for (let i = 0; i < 48_000; i++) pcm[2 * i] = pcm[2 * i + 1] = i < 24_000 ? Math.round(16_000 * Math.sin(i / 10)) : 0;
    const stats = pcmStats(pcm);
    expect(stats.durationMs).toBe(1000);
    expect(stats.nonSilentRatio).toBeCloseTo(0.5, 1);
    expect(stats.peak).toBeGreaterThan(0.45);
  });

  it('correlates identical signals at 1 and inverted ones at -1', () => {
    const a = Int16Array.from({ length: 1000 }, (_, i) => Math.round(1000 * Math.sin(i / 7)));
    const inverted = a.map((value) => -value);
    expect(correlation(a, a)).toBeCloseTo(1, 6);
    expect(correlation(a, inverted)).toBeCloseTo(-1, 6);
  });

  it('compares received packets with the source, ignoring inserted silence frames', () => {
    // CELT full-band 20 ms stereo frames (TOC 0xfc) with arbitrary payloads decode to non-trivial PCM.
    const first = Buffer.from([0xfc, 0x12, 0x9a, 0x33, 0x41, 0x07, 0xee, 0x5c]);
    const second = Buffer.from([0xfc, 0x77, 0x01, 0xc4, 0x90, 0x2b, 0x6d, 0x18]);
    const received = [packet(1, 0, first), packet(2, 20), packet(3, 40, second), packet(4, 60)];
    const same = compareWithSource(received, [first, second]);
    expect(same).toMatchObject({ sourcePackets: 2, receivedPackets: 2, identicalPackets: 2, firstMismatch: -1 });
    expect(same.correlation).toBeCloseTo(1, 6);
    const swapped = compareWithSource(received, [second, first]);
    expect(swapped.identicalPackets).toBe(0);
    expect(swapped.firstMismatch).toBe(0);
  });
});

describe('readOggPackets', () => {
  /** Builds one Ogg page holding the given packets (CRC left zero: the reader does not check it). */
  function page(packets: Buffer[]): Buffer {
    const lacing: number[] = [];
    for (const p of packets) {
      let left = p.length;
      while (left >= 255) {
        lacing.push(255);
        left -= 255;
      }
      lacing.push(left);
    }
    const header = Buffer.alloc(27);
    header.write('OggS', 0, 'latin1');
    header.writeUInt8(lacing.length, 26);
    return Buffer.concat([header, Buffer.from(lacing), ...packets]);
  }

  it('reassembles packets, including ones longer than 255 bytes', () => {
    const long = Buffer.alloc(600, 7);
    const packets = readOggPackets(Buffer.concat([page([Buffer.from('OpusHead')]), page([long, Buffer.from([1, 2])])]));
    expect(packets.map((p) => p.length)).toEqual([8, 600, 2]);
    expect(packets[1]!.equals(long)).toBe(true);
  });

  it('refuses bytes that are not Ogg', () => {
    expect(() => readOggPackets(Buffer.from('RIFF0000WAVE'))).toThrow(/Not an Ogg page/);
  });
});
