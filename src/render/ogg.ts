/**
 * Just enough Ogg (RFC 3533) to join Opus packets from several encoder runs into one logical
 * stream (RFC 7845): read the packets of a single-stream Ogg file, and write packets back out as
 * pages with the right granule positions and checksums.
 */
import { RenderError } from './errors.js';

const CAPTURE = 0x5367674f; // "OggS" read as a little-endian uint32
const HEADER_BYTES = 27;
const FLAG_CONTINUED = 0x01;
const FLAG_FIRST = 0x02;
const FLAG_LAST = 0x04;

export interface OggStream {
  readonly serial: number;
  /** Every packet in order, headers included. */
  readonly packets: Uint8Array[];
}

/** The packets of a single-stream Ogg file (what ffmpeg writes for one audio stream). */
export function readOggPackets(bytes: Uint8Array): OggStream {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const packets: Uint8Array[] = [];
  let pending: Uint8Array[] = [];
  let serial: number | undefined;
  let offset = 0;
  while (offset < bytes.length) {
    if (offset + HEADER_BYTES > bytes.length || view.getUint32(offset, true) !== CAPTURE) {
      throw new RenderError(`ffmpeg wrote a damaged Ogg stream (no page at byte ${offset})`);
    }
    const pageSerial = view.getUint32(offset + 14, true);
    if (serial !== undefined && pageSerial !== serial) throw new RenderError('ffmpeg wrote more than one Ogg stream');
    serial = pageSerial;
    const segments = bytes[offset + 26] as number;
    let data = offset + HEADER_BYTES + segments;
    for (let i = 0; i < segments; i++) {
      const lace = bytes[offset + HEADER_BYTES + i] as number;
      if (data + lace > bytes.length) throw new RenderError('ffmpeg wrote a truncated Ogg stream');
      pending.push(bytes.subarray(data, data + lace));
      data += lace;
      // A lacing value below 255 ends a packet; 255 means it goes on in the next segment.
      if (lace < 255) {
        packets.push(concat(pending));
        pending = [];
      }
    }
    offset = data;
  }
  if (serial === undefined) throw new RenderError('ffmpeg wrote an empty Ogg stream');
  return { serial, packets };
}

export interface OggPacketOut {
  readonly data: Uint8Array;
  /** Granule position after this packet (Opus: 48 kHz samples including the pre-skip). */
  readonly granule: bigint;
}

/**
 * Pages for one logical stream. Each of `headerPackets` gets a page of its own (RFC 7845 wants
 * the identification and comment headers alone on their pages); audio packets are packed into
 * pages of up to `maxPageBytes`, and the last page carries the end-of-stream flag.
 */
export function writeOggStream(serial: number, headerPackets: readonly Uint8Array[], audio: readonly OggPacketOut[], maxPageBytes = 8192): Uint8Array {
  const pages: Uint8Array[] = [];
  let sequence = 0;
  const total = headerPackets.length + audio.length;
  let written = 0;
  const emit = (packets: readonly Uint8Array[], granule: bigint): void => {
    written += packets.length;
    const flags = (sequence === 0 ? FLAG_FIRST : 0) | (written === total ? FLAG_LAST : 0);
    pages.push(page(serial, sequence++, granule, flags, packets));
  };
  for (const header of headerPackets) emit([header], 0n);
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  let batchSegments = 0;
  for (let i = 0; i < audio.length; i++) {
    const packet = audio[i] as OggPacketOut;
    const segments = Math.floor(packet.data.length / 255) + 1;
    if (batch.length > 0 && (batchBytes + packet.data.length > maxPageBytes || batchSegments + segments > 255)) {
      emit(batch, (audio[i - 1] as OggPacketOut).granule);
      batch = [];
      batchBytes = 0;
      batchSegments = 0;
    }
    if (segments > 255) throw new RenderError(`an Opus packet of ${packet.data.length} bytes does not fit an Ogg page`);
    batch.push(packet.data);
    batchBytes += packet.data.length;
    batchSegments += segments;
  }
  if (batch.length > 0) emit(batch, (audio[audio.length - 1] as OggPacketOut).granule);
  return concat(pages);
}

function page(serial: number, sequence: number, granule: bigint, flags: number, packets: readonly Uint8Array[]): Uint8Array {
  const lacing: number[] = [];
  for (const packet of packets) {
    for (let left = packet.length; ; left -= 255) {
      lacing.push(Math.min(left, 255));
      if (left < 255) break;
    }
  }
  const body = concat(packets);
  const out = new Uint8Array(HEADER_BYTES + lacing.length + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, CAPTURE, true);
  out[4] = 0; // version
  out[5] = flags & ~FLAG_CONTINUED;
  view.setBigInt64(6, granule, true);
  view.setUint32(14, serial, true);
  view.setUint32(18, sequence, true);
  out[26] = lacing.length;
  out.set(lacing, HEADER_BYTES);
  out.set(body, HEADER_BYTES + lacing.length);
  view.setUint32(22, crc32(out), true); // computed with the checksum field still zero
  return out;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let bit = 0; bit < 8; bit++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

/** Ogg's CRC-32: polynomial 0x04c11db7, not reflected, initial value 0, no final xor. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) crc = ((crc << 8) ^ (CRC_TABLE[((crc >>> 24) ^ (bytes[i] as number)) & 0xff] as number)) >>> 0;
  return crc;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
