/**
 * Piece → Standard MIDI File bytes (format 1, 480 ticks per quarter note).
 *
 * The file is encoded here rather than with @tonejs/midi's `toArray()`: its encoder (midi-file)
 * copies the whole track buffer for every multi-byte delta time, which takes over ten seconds for
 * a 10,000-note track. The format is small and this writer emits only what the reader needs.
 *
 * Layout: track 1 is the conductor track (title, tempo map, time-signature map); then one track
 * chunk per Piece track with its name, a program change and its notes. Drum tracks play on
 * channel 10 (index 9); other tracks get distinct channels in track order, skipping 9. With more
 * than 15 melodic tracks the channels wrap around — each track still has its own chunk, so
 * reading the file back keeps the tracks apart. At equal ticks note-offs precede note-ons, so a
 * repeated note is not cut short by the release of the one before it.
 */
import type { Piece, Track } from '../music/piece.js';
import { midiSignatureOfKey } from '../music/key.js';
import { InvalidInputError } from '../util/errors.js';
import { DRUM_CHANNEL } from './gm.js';

/** 480 = 2^5 × 3 × 5: exact for 16th, 32nd and triplet grids. */
export const WRITE_PPQ = 480;

const MELODIC_CHANNELS = Array.from({ length: 16 }, (_, channel) => channel).filter((c) => c !== DRUM_CHANNEL);
const NOTE_OFF_VELOCITY = 64;
/** Delta times are at most four 7-bit bytes. */
const MAX_DELTA_TICKS = 0x0fffffff;

interface TimedEvent {
  readonly tick: number;
  /** Sort key among events at the same tick: meta 0, program 1, note-off 2, note-on 3. */
  readonly order: number;
  /** A channel event packed as status << 16 | data1 << 8 | data2 (notes are most events: no arrays). */
  readonly packed?: number;
  /** Any other event's bytes after the delta time. */
  readonly bytes?: readonly number[];
}

export function writeMidi(piece: Piece): Uint8Array {
  const chunks: TimedEvent[][] = [conductorTrack(piece)];
  let melodicIndex = 0;
  for (const track of piece.tracks) {
    let channel = DRUM_CHANNEL;
    if (!track.isDrum) {
      channel = MELODIC_CHANNELS[melodicIndex % MELODIC_CHANNELS.length]!;
      melodicIndex += 1;
    }
    chunks.push(noteTrack(track, channel));
  }

  const out = new ByteWriter();
  out.ascii('MThd');
  out.uint32(6);
  out.uint16(1);
  out.uint16(chunks.length);
  out.uint16(WRITE_PPQ);
  for (const events of chunks) writeTrackChunk(out, events);
  return out.toBytes();
}

function toTicks(beats: number): number {
  return Math.max(0, Math.round(beats * WRITE_PPQ));
}

function metaEvent(tick: number, type: number, data: readonly number[]): TimedEvent {
  return { tick, order: 0, bytes: [0xff, type, ...varInt(data.length), ...data] };
}

/** Text as Latin-1 bytes, the encoding MIDI readers (including @tonejs/midi) assume. */
function textBytes(text: string): number[] {
  return Array.from(text, (char) => {
    const code = char.codePointAt(0)!;
    return code < 256 ? code : 0x3f; // '?'
  });
}

function conductorTrack(piece: Piece): TimedEvent[] {
  const events: TimedEvent[] = [];
  if (piece.title !== undefined && piece.title !== '') events.push(metaEvent(0, 0x03, textBytes(piece.title)));
  for (const tempo of piece.tempos) {
    const microsecondsPerBeat = Math.min(0xffffff, Math.max(1, Math.round(60_000_000 / tempo.bpm)));
    events.push(metaEvent(toTicks(tempo.time), 0x51, [(microsecondsPerBeat >> 16) & 0xff, (microsecondsPerBeat >> 8) & 0xff, microsecondsPerBeat & 0xff]));
  }
  for (const ts of piece.timeSignatures) {
    const denominatorPower = Math.round(Math.log2(ts.denominator));
    // 24 MIDI clocks per metronome click, 8 thirty-second notes per quarter: the usual defaults.
    events.push(metaEvent(toTicks(ts.time), 0x58, [ts.numerator & 0xff, denominatorPower, 24, 8]));
  }
  if (piece.key) {
    const { sharps, minor } = midiSignatureOfKey(piece.key);
    events.push(metaEvent(0, 0x59, [sharps & 0xff, minor ? 1 : 0]));
  }
  return events;
}

function noteTrack(track: Track, channel: number): TimedEvent[] {
  const events: TimedEvent[] = [metaEvent(0, 0x03, textBytes(track.name))];
  events.push({ tick: 0, order: 1, bytes: [0xc0 | channel, track.isDrum ? 0 : track.program & 0x7f] });
  const on = (0x90 | channel) << 16;
  const off = ((0x80 | channel) << 16) | NOTE_OFF_VELOCITY;
  for (const note of track.notes) {
    const start = toTicks(note.start);
    // A note needs at least one tick to be a note at all.
    const end = Math.max(start + 1, toTicks(note.start + note.duration));
    const velocity = Math.min(127, Math.max(1, Math.round(note.velocity)));
    const pitch = note.pitch & 0x7f;
    events.push({ tick: start, order: 3, packed: on | (pitch << 8) | velocity });
    events.push({ tick: end, order: 2, packed: off | (pitch << 8) });
  }
  return events;
}

function writeTrackChunk(out: ByteWriter, events: TimedEvent[]): void {
  // Array.prototype.sort is stable, so notes keep their track order within a tick and kind.
  events.sort((a, b) => a.tick - b.tick || a.order - b.order);
  const body = new ByteWriter();
  let lastTick = 0;
  for (const event of events) {
    const delta = event.tick - lastTick;
    if (delta > MAX_DELTA_TICKS) {
      throw new InvalidInputError(`cannot write MIDI: a gap of ${Math.round(delta / WRITE_PPQ)} beats exceeds the format's limit`);
    }
    body.varInt(delta);
    if (event.packed !== undefined) body.packed(event.packed);
    else body.bytes(event.bytes ?? []);
    lastTick = event.tick;
  }
  body.bytes([0x00, 0xff, 0x2f, 0x00]); // end of track
  out.ascii('MTrk');
  out.uint32(body.length);
  out.bytes(body.view());
}

/** MIDI variable-length quantity: 7 bits per byte, most significant first. */
function varInt(value: number): number[] {
  const bytes = [value & 0x7f];
  let rest = Math.floor(value / 128);
  while (rest > 0) {
    bytes.unshift((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  return bytes;
}

/** A growable byte buffer. */
class ByteWriter {
  private buffer = new Uint8Array(1024);
  length = 0;

  private push(value: number): void {
    if (this.length === this.buffer.length) {
      const larger = new Uint8Array(this.buffer.length * 2);
      larger.set(this.buffer);
      this.buffer = larger;
    }
    this.buffer[this.length++] = value;
  }

  bytes(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i += 1) this.push(values[i]!);
  }

  /** Three bytes packed into one number, most significant first. */
  packed(value: number): void {
    this.push((value >> 16) & 0xff);
    this.push((value >> 8) & 0xff);
    this.push(value & 0xff);
  }

  varInt(value: number): void {
    if (value < 0x80) this.push(value);
    else this.bytes(varInt(value));
  }

  ascii(text: string): void {
    for (let i = 0; i < text.length; i += 1) this.push(text.charCodeAt(i));
  }

  uint16(value: number): void {
    this.push((value >> 8) & 0xff);
    this.push(value & 0xff);
  }

  uint32(value: number): void {
    this.push((value >>> 24) & 0xff);
    this.push((value >> 16) & 0xff);
    this.push((value >> 8) & 0xff);
    this.push(value & 0xff);
  }

  view(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  toBytes(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}
