/**
 * Standard MIDI File bytes → notes, tempo and metre events, in one bounds-checked pass.
 *
 * Why not @tonejs/midi's reader: its parser (midi-file) trusts its input — it reads past the end
 * of a chunk (yielding NaN instead of failing), accepts negative or oversized chunk lengths and
 * throws plain strings — and it pairs note-ons with note-offs with `findIndex` + `splice` on one
 * array per track, which is quadratic: a legitimate 40,000-note track took 2.6 s and a
 * 200,000-note one a minute. Here every byte is checked once and notes are paired through a
 * queue per channel and pitch, so reading is linear and every defect becomes one clear
 * InvalidInputError. Semantics follow @tonejs/midi's: test/midi/tonejs-parity.test.ts checks
 * that both read the same notes from the shared Nottingham and game files, except where
 * @tonejs/midi mis-pairs notes across a program change.
 */
import { InvalidInputError } from '../util/errors.js';
import { MIDI_LIMIT_ENV, formatBytes, type MidiLimits } from './limits.js';

/**
 * The notes of a whole file, one column per field (no object per note: a file at the note limit
 * holds 200,000 of them). Rows are in note-on order; a note never released has duration -1.
 */
export interface NoteTable {
  readonly count: number;
  readonly tick: Float64Array;
  readonly durationTicks: Float64Array;
  readonly channel: Uint8Array;
  /** The channel's program (last program change in the chunk before the note; 0 if none). */
  readonly program: Uint8Array;
  readonly pitch: Uint8Array;
  readonly velocity: Uint8Array;
}

export interface RawTrackChunk {
  /** The first track-name meta event ('' if none), at most MAX_NAME_CHARS characters. */
  readonly name: string;
  /** This chunk's rows in the note table: [firstNote, endNote). */
  readonly firstNote: number;
  readonly endNote: number;
}

export interface DecodedMidi {
  readonly format: number;
  /** Ticks per quarter note. */
  readonly ppq: number;
  readonly chunks: readonly RawTrackChunk[];
  readonly notes: NoteTable;
  /** Tempo events from all chunks, in file order. */
  readonly tempos: ReadonlyArray<{ readonly tick: number; readonly bpm: number }>;
  /** Time-signature events from all chunks, in file order. */
  readonly timeSignatures: ReadonlyArray<{ readonly tick: number; readonly numerator: number; readonly denominator: number }>;
  /** The earliest key signature in any chunk (the piece's key), if there is one. */
  readonly keySignature?: { readonly tick: number; readonly sharps: number; readonly minor: boolean };
}

/** Meta events longer than this are refused (no legitimate text or data event comes close). */
const MAX_META_EVENT_BYTES = 1 << 20;

/** Track names are cut to this: no real one comes close, and each is shown and stored. */
export const MAX_NAME_CHARS = 256;

/** Meta events that only make sense with exactly these lengths. */
const META_LENGTHS: ReadonlyMap<number, { name: string; lengths: readonly number[] }> = new Map([
  [0x00, { name: 'sequence number', lengths: [0, 2] }],
  [0x20, { name: 'channel prefix', lengths: [1] }],
  [0x21, { name: 'port prefix', lengths: [1] }],
  [0x2f, { name: 'end of track', lengths: [0] }],
  [0x51, { name: 'tempo', lengths: [3] }],
  [0x54, { name: 'SMPTE offset', lengths: [5] }],
  [0x58, { name: 'time signature', lengths: [2, 4] }],
  [0x59, { name: 'key signature', lengths: [2] }],
]);

function fail(message: string): never {
  throw new InvalidInputError(message);
}

function chunkId(bytes: Uint8Array, at: number): string {
  const id = String.fromCharCode(...bytes.subarray(at, at + 4));
  // Keep binary garbage out of the message.
  return /^[\x20-\x7e]*$/.test(id) ? id : `0x${Buffer.from(bytes.subarray(at, at + 4)).toString('hex')}`;
}

function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/** Text meta events are Latin-1 by convention. */
function latin1(bytes: Uint8Array, from: number, to: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString('latin1');
}

/** A growable note table (columns double as they fill, up to the note limit). */
class NoteColumns implements NoteTable {
  count = 0;
  tick = new Float64Array(256);
  durationTicks = new Float64Array(256);
  channel = new Uint8Array(256);
  program = new Uint8Array(256);
  pitch = new Uint8Array(256);
  velocity = new Uint8Array(256);
  /** Per row, the next open note of the same channel and pitch (-1: none): the open-note queues. */
  private nextOpen = new Int32Array(256);
  /** Per channel × 128 + pitch, the oldest and newest open note (-1: none). */
  private readonly openHead = new Int32Array(16 * 128).fill(-1);
  private readonly openTail = new Int32Array(16 * 128).fill(-1);

  /** A note-on: a new open row. */
  open(tick: number, channel: number, program: number, pitch: number, velocity: number): void {
    if (this.count === this.tick.length) this.grow();
    const row = this.count++;
    this.tick[row] = tick;
    this.durationTicks[row] = -1;
    this.channel[row] = channel;
    this.program[row] = program;
    this.pitch[row] = pitch;
    this.velocity[row] = velocity;
    this.nextOpen[row] = -1;
    const key = channel * 128 + pitch;
    if (this.openTail[key]! === -1) this.openHead[key] = row;
    else this.nextOpen[this.openTail[key]!] = row;
    this.openTail[key] = row;
  }

  /** A note-off ends the oldest open note of its channel and pitch, if any. */
  close(tick: number, channel: number, pitch: number): void {
    const key = channel * 128 + pitch;
    const row = this.openHead[key]!;
    if (row === -1) return;
    this.durationTicks[row] = tick - this.tick[row]!;
    this.openHead[key] = this.nextOpen[row]!;
    if (this.openHead[key] === -1) this.openTail[key] = -1;
  }

  /** Notes left open at the end of a chunk stay unreleased: the next chunk starts with none open. */
  forgetOpen(): void {
    this.openHead.fill(-1);
    this.openTail.fill(-1);
  }

  private grow(): void {
    const size = this.tick.length * 2;
    const grown = <T extends Float64Array | Uint8Array | Int32Array>(column: T): T => {
      const bigger = new (column.constructor as new (length: number) => T)(size);
      bigger.set(column);
      return bigger;
    };
    this.tick = grown(this.tick);
    this.durationTicks = grown(this.durationTicks);
    this.channel = grown(this.channel);
    this.program = grown(this.program);
    this.pitch = grown(this.pitch);
    this.velocity = grown(this.velocity);
    this.nextOpen = grown(this.nextOpen);
  }
}

interface DecodeState {
  readonly limits: MidiLimits;
  readonly notes: NoteColumns;
  sysex: number;
  /** Meta events other than tempo and time signature, and chunks of unknown types. */
  otherEvents: number;
  readonly tempos: Array<{ tick: number; bpm: number }>;
  readonly timeSignatures: Array<{ tick: number; numerator: number; denominator: number }>;
  keySignature?: { tick: number; sharps: number; minor: boolean };
}

/** Decode the file; throws InvalidInputError naming the first problem. */
export function decodeMidi(bytes: Uint8Array, limits: MidiLimits): DecodedMidi {
  if (bytes.length === 0) fail('empty file (0 bytes), expected a MIDI file');
  if (bytes.length > limits.maxBytes) {
    fail(`file too large: ${formatBytes(bytes.length)} > limit ${formatBytes(limits.maxBytes)} ` + `(set ${MIDI_LIMIT_ENV.maxBytes})`);
  }
  if (bytes.length < 4 || chunkId(bytes, 0) !== 'MThd') fail('not a MIDI file (expected "MThd" header)');
  if (bytes.length < 14) fail(`truncated MIDI file: ${bytes.length} bytes, the header alone needs 14`);
  const headerLength = readUint32(bytes, 4);
  if (headerLength < 6) fail(`corrupt MIDI header: length ${headerLength}, expected 6`);
  if (headerLength > bytes.length - 8) fail(`truncated MIDI file: header declares ${headerLength} bytes`);
  const format = (bytes[8]! << 8) | bytes[9]!;
  const declaredTracks = (bytes[10]! << 8) | bytes[11]!;
  const division = (bytes[12]! << 8) | bytes[13]!;
  if (format > 2) fail(`unsupported MIDI format ${format} (expected 0, 1 or 2)`);
  if (division & 0x8000) fail('SMPTE time division is not supported (expected ticks per quarter note)');
  if (division === 0) fail('corrupt MIDI header: 0 ticks per quarter note');
  if (declaredTracks === 0) fail('MIDI file has no tracks');
  if (declaredTracks > limits.maxTracks) {
    fail(`too many tracks: ${declaredTracks} > limit ${limits.maxTracks} (set ${MIDI_LIMIT_ENV.maxTracks})`);
  }

  const state: DecodeState = { limits, notes: new NoteColumns(), sysex: 0, otherEvents: 0, tempos: [], timeSignatures: [] };
  const chunks: RawTrackChunk[] = [];
  let pos = 8 + headerLength;
  // As the header declares, or up to the end of the file if it holds fewer chunks.
  while (chunks.length < declaredTracks && pos < bytes.length) {
    const track = chunks.length + 1;
    if (bytes.length - pos < 8) fail(`truncated MIDI file: track ${track} header cut off at byte ${pos}`);
    const id = chunkId(bytes, pos);
    const isTrack = id === 'MTrk';
    // The standard asks readers to skip chunks of other (alien) types; binary garbage is corruption.
    if (!isTrack && !/^[A-Za-z0-9 ]{4}$/.test(id)) fail(`corrupt MIDI file: chunk "${id}" at byte ${pos}, expected "MTrk"`);
    const length = readUint32(bytes, pos + 4);
    const start = pos + 8;
    if (length > bytes.length - start) {
      const what = isTrack ? `track ${track}` : `chunk "${id}"`;
      fail(`truncated MIDI file: ${what} declares ${length} bytes but only ${bytes.length - start} remain`);
    }
    if (isTrack) chunks.push(decodeTrack(bytes, start, start + length, track, state));
    else countOther(state);
    pos = start + length;
  }
  if (chunks.length === 0) fail('MIDI file has no track data (no "MTrk" chunk after the header)');
  return {
    format,
    ppq: division,
    chunks,
    notes: state.notes,
    tempos: state.tempos,
    timeSignatures: state.timeSignatures,
    ...(state.keySignature ? { keySignature: state.keySignature } : {}),
  };
}

function decodeTrack(bytes: Uint8Array, start: number, end: number, track: number, state: DecodeState): RawTrackChunk {
  const { limits, notes } = state;
  const firstNote = notes.count;
  let pos = start;
  let tick = 0;
  let runningStatus: number | null = null;
  let name: string | undefined;
  const programs = new Uint8Array(16);

  const where = (): string => `in track ${track} at byte ${pos}`;
  const need = (count: number, what: string): void => {
    if (pos + count > end) fail(`truncated MIDI file: ${what} cut off ${where()}`);
  };
  const readVarInt = (what: string): number => {
    let value = 0;
    for (let i = 0; i < 4; i += 1) {
      need(1, what);
      const byte = bytes[pos++]!;
      value = value * 128 + (byte & 0x7f);
      if ((byte & 0x80) === 0) return value;
    }
    fail(`corrupt MIDI file: ${what} longer than 4 bytes ${where()}`);
  };

  while (pos < end) {
    tick += readVarInt('delta time');
    need(1, 'event');
    let status = bytes[pos]!;
    if (status === 0xff) {
      pos += 1;
      need(1, 'meta event');
      const type = bytes[pos++]!;
      const length = readVarInt('meta event length');
      need(length, 'meta event');
      readMeta(bytes, pos, type, length, tick, where, state);
      if (type === 0x03 && name === undefined) name = latin1(bytes, pos, pos + Math.min(length, MAX_NAME_CHARS));
      pos += length;
    } else if (status === 0xf0 || status === 0xf7) {
      pos += 1;
      const length = readVarInt('system exclusive length');
      need(length, 'system exclusive event');
      state.sysex += 1;
      if (state.sysex > limits.maxSysex) fail(`too many system-exclusive messages: more than ${limits.maxSysex} (set ${MIDI_LIMIT_ENV.maxSysex})`);
      pos += length;
    } else if (status >= 0xf0) {
      fail(`corrupt MIDI file: unknown event type 0x${status.toString(16)} ${where()}`);
    } else {
      if (status & 0x80) {
        pos += 1;
        runningStatus = status;
      } else if (runningStatus === null) {
        fail(`corrupt MIDI file: data byte without a status byte ${where()}`);
      } else {
        status = runningStatus;
      }
      const kind = status >> 4;
      const channel = status & 0x0f;
      const dataBytes = kind === 0x0c || kind === 0x0d ? 1 : 2;
      need(dataBytes, 'channel event');
      for (let i = 0; i < dataBytes; i += 1) {
        if (bytes[pos + i]! & 0x80) fail(`corrupt MIDI file: invalid data byte ${where()}`);
      }
      const data1 = bytes[pos]!;
      const data2 = dataBytes === 2 ? bytes[pos + 1]! : 0;
      pos += dataBytes;
      if (kind === 0x0c) {
        programs[channel] = data1;
      } else if (kind === 0x09 && data2 > 0) {
        if (notes.count >= limits.maxNotes) fail(`too many notes: more than ${limits.maxNotes} (set ${MIDI_LIMIT_ENV.maxNotes})`);
        notes.open(tick, channel, programs[channel]!, data1, data2);
      } else if (kind === 0x08 || kind === 0x09) {
        notes.close(tick, channel, data1);
      }
    }
  }
  notes.forgetOpen();
  return { name: name ?? '', firstNote, endNote: notes.count };
}

/** Counts a meta event other than tempo and time signature, or an unknown chunk, against its limit. */
function countOther(state: DecodeState): void {
  state.otherEvents += 1;
  const limit = state.limits.maxOtherEvents;
  if (state.otherEvents > limit) {
    fail(`too many meta events and unknown chunks: more than ${limit} besides tempo and time signatures (set ${MIDI_LIMIT_ENV.maxOtherEvents})`);
  }
}

function readMeta(bytes: Uint8Array, at: number, type: number, length: number, tick: number, where: () => string, state: DecodeState): void {
  const { limits } = state;
  const expected = META_LENGTHS.get(type);
  if (expected && !expected.lengths.includes(length)) {
    fail(`corrupt MIDI file: ${expected.name} event of ${length} bytes ${where()}`);
  }
  if (length > MAX_META_EVENT_BYTES) fail(`corrupt MIDI file: meta event of ${length} bytes ${where()}`);
  if (type === 0x51) {
    const microsecondsPerBeat = (bytes[at]! << 16) | (bytes[at + 1]! << 8) | bytes[at + 2]!;
    const bpm = microsecondsPerBeat === 0 ? Infinity : 60_000_000 / microsecondsPerBeat;
    if (bpm < limits.minBpm || bpm > limits.maxBpm) {
      const shown = Number.isFinite(bpm) ? `${Number(bpm.toPrecision(4))} BPM` : 'infinite BPM';
      fail(
        `absurd tempo: ${shown} at tick ${tick} (allowed ${limits.minBpm}..${limits.maxBpm} BPM; ` + `set ${MIDI_LIMIT_ENV.minBpm} / ${MIDI_LIMIT_ENV.maxBpm})`,
      );
    }
    if (state.tempos.length >= limits.maxTempos) fail(`too many tempo changes: more than ${limits.maxTempos} (set ${MIDI_LIMIT_ENV.maxTempos})`);
    state.tempos.push({ tick, bpm });
  } else if (type === 0x58) {
    const numerator = bytes[at]!;
    const denominatorPower = bytes[at + 1]!;
    if (numerator === 0 || numerator > 64 || denominatorPower > 6) {
      fail(`invalid time signature ${numerator}/2^${denominatorPower} at tick ${tick} ${where()}`);
    }
    if (state.timeSignatures.length >= limits.maxTimeSignatures) {
      fail(`too many time-signature changes: more than ${limits.maxTimeSignatures} (set ${MIDI_LIMIT_ENV.maxTimeSignatures})`);
    }
    state.timeSignatures.push({ tick, numerator, denominator: 2 ** denominatorPower });
  } else {
    countOther(state);
  }
  if (type === 0x59) {
    const sharps = (bytes[at]! << 24) >> 24; // signed byte
    const mode = bytes[at + 1]!;
    // Out-of-range signatures are ignored rather than refused: the notes are still good.
    const valid = sharps >= -7 && sharps <= 7 && mode <= 1;
    if (valid && (state.keySignature === undefined || tick < state.keySignature.tick)) state.keySignature = { tick, sharps, minor: mode === 1 };
  }
}
