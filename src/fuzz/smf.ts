/**
 * Standard MIDI Files as structure, for the fuzzer: a header and chunks of events whose length
 * fields, variable-length numbers and status bytes can each be set wrong on purpose, then written
 * out as bytes. `splitSmf` turns a valid file back into this structure so real files can be
 * mutated field by field rather than byte by byte.
 */

/** One event after its delta time: status byte (absent under running status) and data, as written. */
export interface SmfEvent {
  /** Delta time, written as a canonical variable-length number unless `deltaBytes` says otherwise. */
  delta: number;
  /** The delta time's bytes exactly (overlong or broken encodings). */
  deltaBytes?: readonly number[];
  /** Everything after the delta time: status (unless running status) and data bytes. */
  body: readonly number[];
  /** Written this many times in a row (floods); once when absent. */
  repeat?: number;
}

export interface SmfChunk {
  /** Four characters: "MTrk", or an alien chunk type. */
  id: string;
  events: SmfEvent[];
  /** The length field as written; the real body length when absent. */
  declaredLength?: number;
  /** Raw body bytes for alien chunks (events are ignored then). */
  raw?: readonly number[];
}

export interface SmfFile {
  headerLength: number;
  format: number;
  /** The header's track count (may disagree with `chunks`). */
  declaredTracks: number;
  division: number;
  chunks: SmfChunk[];
}

/** MIDI variable-length quantity, canonical. */
export function varInt(value: number): number[] {
  const bytes = [value & 0x7f];
  let rest = Math.floor(value / 128);
  while (rest > 0) {
    bytes.unshift((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  return bytes;
}

export function uint32(value: number): number[] {
  return [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

const ascii = (text: string): number[] => Array.from(text, (c) => c.charCodeAt(0) & 0xff);

export const END_OF_TRACK: SmfEvent = { delta: 0, body: [0xff, 0x2f, 0x00] };

export function metaEvent(delta: number, type: number, data: readonly number[]): SmfEvent {
  return { delta, body: [0xff, type, ...varInt(data.length), ...data] };
}

export function tempoEvent(delta: number, microsecondsPerBeat: number): SmfEvent {
  return metaEvent(delta, 0x51, [(microsecondsPerBeat >> 16) & 0xff, (microsecondsPerBeat >> 8) & 0xff, microsecondsPerBeat & 0xff]);
}

export function timeSignatureEvent(delta: number, numerator: number, denominatorPower: number): SmfEvent {
  return metaEvent(delta, 0x58, [numerator, denominatorPower, 24, 8]);
}

export function trackNameEvent(name: string): SmfEvent {
  return metaEvent(0, 0x03, ascii(name));
}

export function noteOnEvent(delta: number, channel: number, pitch: number, velocity = 100): SmfEvent {
  return { delta, body: [0x90 | channel, pitch, velocity] };
}

export function noteOffEvent(delta: number, channel: number, pitch: number): SmfEvent {
  return { delta, body: [0x80 | channel, pitch, 0] };
}

export function programEvent(delta: number, channel: number, program: number): SmfEvent {
  return { delta, body: [0xc0 | channel, program] };
}

export function sysexEvent(delta: number, data: readonly number[]): SmfEvent {
  return { delta, body: [0xf0, ...varInt(data.length + 1), ...data, 0xf7] };
}

/** Bytes of an event with its delta time, `repeat` times over. */
function eventBytes(event: SmfEvent): { unit: readonly number[]; times: number } {
  return { unit: [...(event.deltaBytes ?? varInt(event.delta)), ...event.body], times: event.repeat ?? 1 };
}

function chunkBody(chunk: SmfChunk): Uint8Array {
  if (chunk.raw !== undefined) return Uint8Array.from(chunk.raw);
  const parts = chunk.events.map(eventBytes);
  const body = new Uint8Array(parts.reduce((sum, { unit, times }) => sum + unit.length * times, 0));
  let at = 0;
  for (const { unit, times } of parts) {
    for (let i = 0; i < times; i += 1) {
      body.set(unit, at);
      at += unit.length;
    }
  }
  return body;
}

/** The file's bytes, with every length field as declared (or true where not overridden). */
export function writeSmf(file: SmfFile): Uint8Array {
  const fields = [file.format >> 8, file.format, file.declaredTracks >> 8, file.declaredTracks, file.division >> 8, file.division].map((b) => b & 0xff);
  // A header longer than 6 bytes carries padding; a shorter one cuts the fields off.
  const headerBody =
    file.headerLength >= 6 ? [...fields, ...new Array<number>(Math.min(file.headerLength - 6, 64)).fill(0)] : fields.slice(0, file.headerLength);
  const parts: Uint8Array[] = [Uint8Array.from([...ascii('MThd'), ...uint32(file.headerLength), ...headerBody])];
  for (const chunk of file.chunks) {
    const body = chunkBody(chunk);
    parts.push(Uint8Array.from([...ascii(chunk.id.padEnd(4).slice(0, 4)), ...uint32(chunk.declaredLength ?? body.length)]), body);
  }
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}

/** A format-1 file at 480 PPQ from track event lists (end of track appended to each). */
export function smfFile(tracks: ReadonlyArray<readonly SmfEvent[]>, options: { format?: number; division?: number } = {}): SmfFile {
  return {
    headerLength: 6,
    format: options.format ?? 1,
    declaredTracks: tracks.length,
    division: options.division ?? 480,
    chunks: tracks.map((events) => ({ id: 'MTrk', events: [...events, END_OF_TRACK] })),
  };
}

/**
 * The structure of a well-formed file (undefined if it is not one): the fuzzer's seeds are real
 * files, mutated field by field.
 */
export function splitSmf(bytes: Uint8Array): SmfFile | undefined {
  const u32 = (at: number): number => ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
  const id = (at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 14 || id(0) !== 'MThd' || u32(4) !== 6) return undefined;
  const file: SmfFile = {
    headerLength: 6,
    format: (bytes[8]! << 8) | bytes[9]!,
    declaredTracks: (bytes[10]! << 8) | bytes[11]!,
    division: (bytes[12]! << 8) | bytes[13]!,
    chunks: [],
  };
  let pos = 14;
  while (pos + 8 <= bytes.length) {
    const chunkId = id(pos);
    const length = u32(pos + 4);
    const start = pos + 8;
    const end = start + length;
    if (end > bytes.length) return undefined;
    if (chunkId !== 'MTrk') {
      file.chunks.push({ id: chunkId, events: [], raw: [...bytes.subarray(start, end)] });
    } else {
      const events = splitEvents(bytes, start, end);
      if (events === undefined) return undefined;
      file.chunks.push({ id: chunkId, events });
    }
    pos = end;
  }
  return pos === bytes.length ? file : undefined;
}

function splitEvents(bytes: Uint8Array, start: number, end: number): SmfEvent[] | undefined {
  const events: SmfEvent[] = [];
  let pos = start;
  let running = 0;
  const readVarInt = (): number | undefined => {
    let value = 0;
    for (let i = 0; i < 4 && pos < end; i += 1) {
      const byte = bytes[pos++]!;
      value = value * 128 + (byte & 0x7f);
      if ((byte & 0x80) === 0) return value;
    }
    return undefined;
  };
  while (pos < end) {
    const delta = readVarInt();
    if (delta === undefined || pos >= end) return undefined;
    const from = pos;
    const status = bytes[pos]!;
    if (status === 0xff) {
      pos += 2;
      const length = readVarInt();
      if (length === undefined) return undefined;
      pos += length;
    } else if (status === 0xf0 || status === 0xf7) {
      pos += 1;
      const length = readVarInt();
      if (length === undefined) return undefined;
      pos += length;
    } else if (status > 0xf0) {
      return undefined;
    } else {
      if (status & 0x80) {
        running = status;
        pos += 1;
      } else if (running === 0) {
        return undefined;
      }
      const kind = running >> 4;
      pos += kind === 0x0c || kind === 0x0d ? 1 : 2;
    }
    if (pos > end) return undefined;
    events.push({ delta, body: [...bytes.subarray(from, pos)] });
  }
  return events;
}
