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

/** A note as stored in the file, in ticks. */
export interface RawNote {
  readonly tick: number;
  readonly durationTicks: number;
  readonly channel: number;
  /** The channel's program (last program change in this chunk before the note; 0 if none). */
  readonly program: number;
  readonly pitch: number;
  readonly velocity: number;
}

export interface RawTrackChunk {
  /** The first track-name meta event, '' if none. */
  readonly name: string;
  /** Notes in note-on order. */
  readonly notes: readonly RawNote[];
}

export interface DecodedMidi {
  readonly format: number;
  /** Ticks per quarter note. */
  readonly ppq: number;
  readonly chunks: readonly RawTrackChunk[];
  /** Tempo events from all chunks, in file order. */
  readonly tempos: ReadonlyArray<{ readonly tick: number; readonly bpm: number }>;
  /** Time-signature events from all chunks, in file order. */
  readonly timeSignatures: ReadonlyArray<{ readonly tick: number; readonly numerator: number; readonly denominator: number }>;
  /** The earliest key signature in any chunk (the piece's key), if there is one. */
  readonly keySignature?: { readonly tick: number; readonly sharps: number; readonly minor: boolean };
}

/** Meta events longer than this are refused (no legitimate text or data event comes close). */
const MAX_META_EVENT_BYTES = 1 << 20;

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
  let text = '';
  for (let i = from; i < to; i += 1) text += String.fromCharCode(bytes[i]!);
  return text;
}

interface DecodeState {
  readonly limits: MidiLimits;
  noteOns: number;
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

  const state: DecodeState = { limits, noteOns: 0, tempos: [], timeSignatures: [] };
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
    pos = start + length;
  }
  if (chunks.length === 0) fail('MIDI file has no track data (no "MTrk" chunk after the header)');
  return {
    format,
    ppq: division,
    chunks,
    tempos: state.tempos,
    timeSignatures: state.timeSignatures,
    ...(state.keySignature ? { keySignature: state.keySignature } : {}),
  };
}

function decodeTrack(bytes: Uint8Array, start: number, end: number, track: number, state: DecodeState): RawTrackChunk {
  const { limits } = state;
  let pos = start;
  let tick = 0;
  let runningStatus: number | null = null;
  let name: string | undefined;
  const programs = new Uint8Array(16);
  /** Open note-ons per channel × 128 + pitch, oldest first: a note-off ends the oldest. */
  const open = new Map<number, Queue<{ tick: number; velocity: number; program: number; index: number }>>();
  const notes: Array<RawNote | undefined> = [];

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
      if (type === 0x03 && name === undefined) name = latin1(bytes, pos, pos + length);
      pos += length;
    } else if (status === 0xf0 || status === 0xf7) {
      pos += 1;
      const length = readVarInt('system exclusive length');
      need(length, 'system exclusive event');
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
        state.noteOns += 1;
        if (state.noteOns > limits.maxNotes) {
          fail(`too many notes: more than ${limits.maxNotes} (set ${MIDI_LIMIT_ENV.maxNotes})`);
        }
        const key = channel * 128 + data1;
        let queue = open.get(key);
        if (queue === undefined) open.set(key, (queue = new Queue()));
        // A slot in note-on order, filled when the note ends (unreleased notes leave a hole).
        queue.push({ tick, velocity: data2, program: programs[channel]!, index: notes.length });
        notes.push(undefined);
      } else if (kind === 0x08 || kind === 0x09) {
        const started = open.get(channel * 128 + data1)?.shift();
        if (started !== undefined) {
          notes[started.index] = {
            tick: started.tick,
            durationTicks: tick - started.tick,
            channel,
            program: started.program,
            pitch: data1,
            velocity: started.velocity,
          };
        }
      }
    }
  }
  return { name: name ?? '', notes: notes.filter((note): note is RawNote => note !== undefined) };
}

/** First in, first out, without Array#shift (which may copy the array on each call). */
class Queue<T> {
  private readonly items: T[] = [];
  private head = 0;

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    return this.head < this.items.length ? this.items[this.head++] : undefined;
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
    state.tempos.push({ tick, bpm });
  }
  if (type === 0x58) {
    const numerator = bytes[at]!;
    const denominatorPower = bytes[at + 1]!;
    if (numerator === 0 || numerator > 64 || denominatorPower > 6) {
      fail(`invalid time signature ${numerator}/2^${denominatorPower} at tick ${tick} ${where()}`);
    }
    state.timeSignatures.push({ tick, numerator, denominator: 2 ** denominatorPower });
  }
  if (type === 0x59) {
    const sharps = (bytes[at]! << 24) >> 24; // signed byte
    const mode = bytes[at + 1]!;
    // Out-of-range signatures are ignored rather than refused: the notes are still good.
    const valid = sharps >= -7 && sharps <= 7 && mode <= 1;
    if (valid && (state.keySignature === undefined || tick < state.keySignature.tick)) state.keySignature = { tick, sharps, minor: mode === 1 };
  }
}
