import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { crc32, readOggPackets, writeOggStream } from '../../src/render/ogg.js';
import { decodeBytes, HAVE_FFMPEG } from './audio-probe.js';

/** Pages of an Ogg file: offset, length, granule, flags, and whether the stored checksum matches. */
function pages(bytes: Uint8Array): Array<{ granule: bigint; flags: number; crcOk: boolean; sequence: number }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = [];
  for (let offset = 0; offset < bytes.length;) {
    const segments = bytes[offset + 26] as number;
    let length = 27 + segments;
    for (let i = 0; i < segments; i++) length += bytes[offset + 27 + i] as number;
    const page = Uint8Array.from(bytes.subarray(offset, offset + length));
    const stored = new DataView(page.buffer).getUint32(22, true);
    page.fill(0, 22, 26);
    out.push({
      granule: view.getBigInt64(offset + 6, true),
      flags: bytes[offset + 5] as number,
      crcOk: crc32(page) === stored,
      sequence: view.getUint32(offset + 18, true),
    });
    offset += length;
  }
  return out;
}

function ffmpegOpus(seconds: number): Uint8Array {
  const frames = seconds * 48_000;
  const pcm = new Float32Array(frames * 2);
  for (let i = 0; i < frames; i++) pcm[2 * i] = pcm[2 * i + 1] = 0.3 * Math.sin((2 * Math.PI * 440 * i) / 48_000);
  return new Uint8Array(
    execFileSync(
      'ffmpeg',
      ['-v', 'error', '-f', 'f32le', '-ar', '48000', '-ac', '2', '-i', 'pipe:0', '-c:a', 'libopus', '-b:a', '96k', '-f', 'ogg', 'pipe:1'],
      {
        input: Buffer.from(pcm.buffer),
      },
    ),
  );
}

describe('Ogg pages', () => {
  it('computes the Ogg CRC-32 (polynomial 0x04c11db7, no reflection, initial value 0)', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0x89a1897f);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('rejects bytes that are not Ogg', () => {
    expect(() => readOggPackets(new TextEncoder().encode('RIFF....WAVEfmt '))).toThrow(/damaged Ogg/);
  });

  it('writes pages with header pages of their own, granules, sequence numbers and a last-page flag', () => {
    const big = new Uint8Array(700).fill(7); // spans three lacing segments
    const audio = Array.from({ length: 40 }, (_, i) => ({ data: i === 5 ? big : new Uint8Array([i, i, i]), granule: BigInt((i + 1) * 960) }));
    const bytes = writeOggStream(1234, [new Uint8Array([1]), new Uint8Array([2])], audio, 300);
    const list = pages(bytes);
    expect(list.every((p) => p.crcOk)).toBe(true);
    expect(list.map((p) => p.sequence)).toEqual(list.map((_, i) => i));
    expect(list[0]?.flags).toBe(0x02);
    expect(list[list.length - 1]?.flags).toBe(0x04);
    expect(list[list.length - 1]?.granule).toBe(40n * 960n);
    const back = readOggPackets(bytes);
    expect(back.serial).toBe(1234);
    expect(back.packets.length).toBe(42);
    expect(back.packets[7]).toEqual(big);
    expect(back.packets[41]).toEqual(new Uint8Array([39, 39, 39]));
  });

  describe.skipIf(!HAVE_FFMPEG)('with ffmpeg', () => {
    it('agrees with ffmpeg: its pages check out, and ffmpeg decodes a rewritten stream to the same audio', () => {
      const original = ffmpegOpus(2);
      expect(pages(original).every((p) => p.crcOk)).toBe(true);
      const { serial, packets } = readOggPackets(original);
      const lastGranule = pages(original).at(-1)?.granule ?? 0n;
      const audio = packets.slice(2).map((data, i) => ({ data, granule: BigInt((i + 1) * 960) }));
      audio[audio.length - 1] = { data: audio[audio.length - 1]!.data, granule: lastGranule };
      const rewritten = writeOggStream(serial, packets.slice(0, 2), audio);
      const a = decodeBytes(original);
      const b = decodeBytes(rewritten);
      expect(b.length).toBe(a.length);
      expect(b).toEqual(a);
    });
  });
});
