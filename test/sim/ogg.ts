/** Minimal Ogg reader: enough to pull the Opus packets out of a single-stream `.ogg` file. */
export interface OggOpusStream {
  channels: number;
  preSkip: number;
  inputSampleRate: number;
  /** Audio packets in order (OpusHead and OpusTags removed). */
  packets: Buffer[];
}

export function readOggPackets(bytes: Buffer): Buffer[] {
  const packets: Buffer[] = [];
  let pending: Buffer[] = [];
  let offset = 0;
  let serial: number | undefined;
  while (offset < bytes.length) {
    if (bytes.toString('latin1', offset, offset + 4) !== 'OggS') {
      throw new Error(`Not an Ogg page at byte ${offset}`);
    }
    const pageSerial = bytes.readUInt32LE(offset + 14);
    serial ??= pageSerial;
    const segmentCount = bytes.readUInt8(offset + 26);
    const table = bytes.subarray(offset + 27, offset + 27 + segmentCount);
    let dataOffset = offset + 27 + segmentCount;
    for (const lacing of table) {
      if (pageSerial === serial) pending.push(bytes.subarray(dataOffset, dataOffset + lacing));
      dataOffset += lacing;
      // A lacing value below 255 ends a packet; 255 means it continues (possibly on the next page).
      if (lacing < 255 && pageSerial === serial) {
        packets.push(Buffer.concat(pending));
        pending = [];
      }
    }
    offset = dataOffset;
  }
  return packets;
}

export function readOggOpus(bytes: Buffer): OggOpusStream {
  const packets = readOggPackets(bytes);
  const head = packets[0];
  if (!head || head.toString('latin1', 0, 8) !== 'OpusHead') throw new Error('Ogg stream does not start with OpusHead');
  const tags = packets[1];
  if (!tags || tags.toString('latin1', 0, 8) !== 'OpusTags') throw new Error('Ogg stream has no OpusTags packet');
  return {
    channels: head.readUInt8(9),
    preSkip: head.readUInt16LE(10),
    inputSampleRate: head.readUInt32LE(12),
    packets: packets.slice(2),
  };
}
