/**
 * MIDI bytes → Piece. The bytes are decoded in one checked pass (decode.ts); this module turns
 * the decoded notes and meta events into the music core's Piece.
 *
 * Conversion choices:
 * - Time: ticks / PPQ, so positions are in quarter notes like the rest of the music core.
 * - Tracks: one per track chunk, channel and program (as @tonejs/midi splits them), in order of
 *   their first note. Chunks that share a channel and program stay separate tracks (e.g. the
 *   two hands of a piano part) — merging them would lose the part structure; the writer gives
 *   them distinct channels again. Tracks without notes (conductor tracks) are dropped.
 * - Drums: notes on channel 10 (index 9) form one drum track per chunk whatever the program
 *   (program changes there pick drum kits, not instruments); its program is 0.
 * - Names: the chunk's track name when the chunk holds one track, else the GM instrument name
 *   (or "drums").
 * - Notes written as note-on/off at the same tick (common for drum hits) last one tick. Note-ons
 *   never released are dropped: they have no length.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import {
  DEFAULT_BPM,
  DEFAULT_TIME_SIGNATURE,
  beatsToSeconds,
  compareNotes,
  pieceLengthBeats,
  type Note,
  type Piece,
  type TempoChange,
  type TimeSignature,
  type Track,
} from '../music/piece.js';
import { keyFromMidiSignature } from '../music/key.js';
import { InvalidInputError } from '../util/errors.js';
import { decodeMidi, type DecodedMidi, type NoteTable, type RawTrackChunk } from './decode.js';
import { DRUM_CHANNEL, gmInstrumentName } from './gm.js';
import { MIDI_LIMIT_ENV, formatBytes, resolveMidiLimits, type MidiLimits } from './limits.js';

/** Parse Standard MIDI File bytes; throws InvalidInputError (one line) for anything unusable. */
export function parseMidi(bytes: Uint8Array, limits: Partial<MidiLimits> = {}): Piece {
  const resolved = resolveMidiLimits(limits);
  const piece = toPiece(decodeMidi(bytes, resolved), resolved);
  checkPiece(piece, resolved);
  return piece;
}

/** Read and parse a MIDI file; the size limit is checked before the file is read. */
export async function readMidiFile(path: string, limits: Partial<MidiLimits> = {}): Promise<Piece> {
  const resolved = resolveMidiLimits(limits);
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new InvalidInputError('not a file');
    if (info.size > resolved.maxBytes) {
      throw new InvalidInputError(`file too large: ${formatBytes(info.size)} > limit ${formatBytes(resolved.maxBytes)} ` + `(set ${MIDI_LIMIT_ENV.maxBytes})`);
    }
    const piece = parseMidi(await readFile(path), resolved);
    return { ...piece, title: basename(path, extname(path)) };
  } catch (error) {
    if (error instanceof InvalidInputError) throw new InvalidInputError(`${path}: ${error.message}`);
    if (isNodeError(error) && error.code === 'ENOENT') throw new InvalidInputError(`${path}: no such file`);
    if (isNodeError(error) && error.code === 'EISDIR') throw new InvalidInputError(`${path}: not a file`);
    throw error;
  }
}

function isNodeError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && 'code' in error;
}

/** Group key of a note: channel × 128 + program, or -1 for drums (their program picks a kit). */
function groupKey(table: NoteTable, row: number): number {
  const channel = table.channel[row]!;
  return channel === DRUM_CHANNEL ? -1 : channel * 128 + table.program[row]!;
}

/** How many tracks groupChunk would make, without making them. */
function countGroups(chunk: RawTrackChunk, table: NoteTable): number {
  const seen = new Uint8Array(16 * 128 + 1);
  let count = 0;
  for (let row = chunk.firstNote; row < chunk.endNote; row += 1) {
    if (table.durationTicks[row]! < 0) continue;
    const slot = groupKey(table, row) + 1;
    if (seen[slot] === 0) {
      seen[slot] = 1;
      count += 1;
    }
  }
  return count;
}

/** A chunk's released notes (rows of the note table) grouped by channel and program (drums by channel only). */
function groupChunk(chunk: RawTrackChunk, table: NoteTable): number[][] {
  const groups = new Map<number, number[]>();
  for (let row = chunk.firstNote; row < chunk.endNote; row += 1) {
    // Never released: no length, dropped.
    if (table.durationTicks[row]! < 0) continue;
    const key = groupKey(table, row);
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = []));
    group.push(row);
  }
  return [...groups.values()];
}

/** The tracks of one chunk, from its note groups. */
function chunkTracks(chunk: RawTrackChunk, groups: readonly number[][], table: NoteTable, ppq: number): Track[] {
  const single = groups.length === 1 && chunk.name.trim() !== '';
  return groups.map((rows) => {
    const first = rows[0]!;
    const isDrum = table.channel[first] === DRUM_CHANNEL;
    const program = isDrum ? 0 : table.program[first]!;
    const notes: Note[] = rows.map((row) => ({
      pitch: table.pitch[row]!,
      start: table.tick[row]! / ppq,
      duration: Math.max(table.durationTicks[row]!, 1) / ppq,
      velocity: table.velocity[row]!,
    }));
    notes.sort(compareNotes);
    const name = single ? chunk.name.trim() : isDrum ? 'drums' : gmInstrumentName(program);
    return { name, program, isDrum, notes };
  });
}

function toPiece(midi: DecodedMidi, limits: MidiLimits): Piece {
  const { ppq } = midi;
  const title = midi.chunks[0]?.name.trim() ?? '';
  // Counted before any track is built: a file can give every note its own channel and program.
  const trackCount = midi.chunks.reduce((sum, chunk) => sum + countGroups(chunk, midi.notes), 0);
  if (trackCount > limits.maxTracks) throw tooManyTracks(trackCount, limits);
  const groups = midi.chunks.map((chunk) => groupChunk(chunk, midi.notes));
  return {
    tracks: midi.chunks.flatMap((chunk, i) => chunkTracks(chunk, groups[i]!, midi.notes, ppq)),
    tempos: tempoMap(midi.tempos.map((t) => ({ time: t.tick / ppq, bpm: t.bpm }))),
    timeSignatures: timeSignatureMap(midi.timeSignatures.map((t) => ({ time: t.tick / ppq, numerator: t.numerator, denominator: t.denominator }))),
    ...(title === '' ? {} : { title }),
    ...(midi.keySignature ? { key: keyFromMidiSignature(midi.keySignature.sharps, midi.keySignature.minor) } : {}),
  };
}

function tooManyTracks(count: number, limits: MidiLimits): InvalidInputError {
  return new InvalidInputError(`too many tracks: ${count} instrument tracks > limit ${limits.maxTracks} (set ${MIDI_LIMIT_ENV.maxTracks})`);
}

/**
 * Sorted, one entry per position (the last event at a position wins, as a player would hear),
 * starting at 0 — MIDI's defaults (120 BPM, 4/4) hold until the first event — without entries
 * that repeat the one before.
 */
function eventMap<T extends { time: number }>(events: readonly T[], initial: T, same: (a: T, b: T) => boolean): T[] {
  const byTime = new Map<number, T>();
  // A stable sort keeps file order among events at the same time.
  for (const event of [...events].sort((a, b) => a.time - b.time)) byTime.set(event.time, event);
  if (!byTime.has(0)) byTime.set(0, initial);
  const sorted = [...byTime.values()].sort((a, b) => a.time - b.time);
  return sorted.filter((event, i) => i === 0 || !same(event, sorted[i - 1]!));
}

function tempoMap(events: readonly TempoChange[]): TempoChange[] {
  return eventMap(events, { time: 0, bpm: DEFAULT_BPM }, (a, b) => a.bpm === b.bpm);
}

function timeSignatureMap(events: readonly TimeSignature[]): TimeSignature[] {
  return eventMap(events, DEFAULT_TIME_SIGNATURE, (a, b) => a.numerator === b.numerator && a.denominator === b.denominator);
}

function checkPiece(piece: Piece, limits: MidiLimits): void {
  if (piece.tracks.length === 0) throw new InvalidInputError('MIDI file has no notes');
  const seconds = beatsToSeconds(piece, pieceLengthBeats(piece));
  if (seconds > limits.maxSeconds) {
    throw new InvalidInputError(`piece too long: ${Math.round(seconds)} s > limit ${limits.maxSeconds} s (set ${MIDI_LIMIT_ENV.maxSeconds})`);
  }
}
