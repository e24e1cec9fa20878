/**
 * The most expensive MIDI files that still pass the size limit: each fills the budget (just under
 * 4 MB by default) with one kind of event the reader must walk, store or pair. They back the
 * reliability guarantee "any file under 4 MB parses within the time and memory bounds"
 * (docs/reliability.md): test/fuzz/worst-case.test.ts parses each in a child process and checks
 * its memory, and `npm run fuzz -- --worst-case` times them.
 */
import { DEFAULT_MIDI_LIMITS } from '../midi/limits.js';
import {
  END_OF_TRACK,
  metaEvent,
  noteOffEvent,
  noteOnEvent,
  programEvent,
  smfFile,
  tempoEvent,
  timeSignatureEvent,
  trackNameEvent,
  varInt,
  writeSmf,
  type SmfEvent,
  type SmfFile,
} from './smf.js';

/** Bytes an event takes with its delta time. */
const sizeOf = (event: SmfEvent): number => (event.deltaBytes?.length ?? varInt(event.delta).length) + event.body.length;

/** Header (14) + one track header (8) + a note + end of track, with room to spare. */
const OVERHEAD = 64;

/** `event` repeated to fill `budget` bytes. */
function flood(event: SmfEvent, budget: number): SmfEvent {
  return { ...event, repeat: Math.max(1, Math.floor(budget / sizeOf(event))) };
}

const aNote: readonly SmfEvent[] = [noteOnEvent(0, 0, 60), noteOffEvent(240, 0, 60)];

/** One track: a note, then `filler` until the file is `bytes` long. */
function oneTrackFlood(filler: readonly SmfEvent[], bytes: number): SmfFile {
  const unit = filler.reduce((sum, event) => sum + sizeOf(event), 0);
  const times = Math.floor((bytes - OVERHEAD) / unit);
  return smfFile([[...aNote, ...filler.map((event) => ({ ...event, repeat: times }))]]);
}

/** The pairs, interleaved: each repeated event alternates with the next so no two neighbours repeat. */
function alternating(first: SmfEvent, second: SmfEvent, bytes: number): SmfFile {
  // A repeated pair as one event whose body holds both (the second with its own delta time).
  const pair: SmfEvent = { delta: first.delta, body: [...first.body, ...varInt(second.delta), ...second.body] };
  return oneTrackFlood([pair], bytes);
}

export const WORST_CASES: Readonly<Record<string, (bytes: number) => SmfFile>> = {
  /** Tempo changes one tick apart, alternating so none merges with the one before (~600,000). */
  'tempo-flood': (bytes) => alternating(tempoEvent(1, 500_000), tempoEvent(1, 400_000), bytes),
  /** Time-signature changes one tick apart, alternating 3/4 and 4/4 (~500,000). */
  'time-signature-flood': (bytes) => alternating(timeSignatureEvent(1, 3, 2), timeSignatureEvent(1, 4, 2), bytes),
  /** Empty system-exclusive messages (~1,400,000). */
  'sysex-flood': (bytes) => oneTrackFlood([{ delta: 0, body: [0xf0, 0x00] }], bytes),
  /** Sequencer-specific and undefined meta events, empty (~1,000,000). */
  'unknown-meta-flood': (bytes) => alternating(metaEvent(0, 0x7f, []), metaEvent(0, 0x60, []), bytes),
  /** Chunks of an unknown type between the header and the track (~500,000). */
  'alien-chunk-flood': (bytes) => {
    const file = smfFile([aNote]);
    const count = Math.floor((bytes - OVERHEAD) / 8);
    file.chunks = [...Array.from({ length: count }, () => ({ id: 'XFkm', events: [], raw: [] })), ...file.chunks];
    return file;
  },
  /** Controller changes under running status, which the reader walks and ignores (~1,400,000). */
  'controller-flood': (bytes) => smfFile([[...aNote, { delta: 0, body: [0xb0, 7, 100] }, flood({ delta: 0, body: [7, 100] }, bytes - OVERHEAD)]]),
  /** As many notes as the note limit allows, each released (running status: 6 bytes a note). */
  'note-flood': (bytes) => {
    const notes = Math.min(DEFAULT_MIDI_LIMITS.maxNotes, Math.floor((bytes - OVERHEAD) / 6));
    // Note-on, then (release, next note-on) pairs under running status, then the last release.
    return smfFile([[noteOnEvent(0, 0, 60), { delta: 1, body: [60, 0, 0, 60, 100], repeat: notes - 1 }, { delta: 1, body: [60, 0] }]]);
  },
  /** Note-ons never released, on every channel and pitch: the reader holds them all open. */
  'open-note-flood': (bytes) => {
    const perTrack: SmfEvent[] = [];
    for (let channel = 0; channel < 16; channel += 1) {
      for (let pitch = 0; pitch < 128; pitch += 1) perTrack.push(noteOnEvent(0, channel, pitch));
    }
    const notes = Math.min(DEFAULT_MIDI_LIMITS.maxNotes, Math.floor((bytes - OVERHEAD) / 4));
    const tracks = Math.min(DEFAULT_MIDI_LIMITS.maxTracks, Math.floor(notes / (perTrack.length + 1)));
    return smfFile(Array.from({ length: tracks }, () => [...aNote, ...perTrack]));
  },
  /** The track limit's chunks, every note a new channel and program: one instrument track per note. */
  'instrument-flood': (bytes) => {
    const chunks = DEFAULT_MIDI_LIMITS.maxTracks;
    const perChunk = Math.floor(Math.min(DEFAULT_MIDI_LIMITS.maxNotes / chunks, (bytes - OVERHEAD * chunks) / chunks / 11));
    return smfFile(
      Array.from({ length: chunks }, () =>
        Array.from({ length: perChunk }, (_, i) => [programEvent(0, i % 16, (i >> 4) % 128), noteOnEvent(0, i % 16, 60), noteOffEvent(1, i % 16, 60)]).flat(),
      ),
    );
  },
  /** Track names of the longest meta event accepted, in every chunk that fits. */
  'long-names': (bytes) => {
    const name = 'N'.repeat((1 << 20) - 16);
    const tracks = Math.max(1, Math.floor((bytes - OVERHEAD) / (name.length + 32)));
    return smfFile(Array.from({ length: tracks }, () => [trackNameEvent(name), ...aNote]));
  },
  /**
   * The longest piece the limits allow, in the shortest bars (1/32 and 3/32 alternating at every
   * one of the time-signature limit's changes): bar counting must not be quadratic.
   */
  'bar-flood': () => {
    const { maxTimeSignatures, maxSeconds, maxBpm } = DEFAULT_MIDI_LIMITS;
    const beats = Math.floor((maxSeconds * maxBpm) / 60) - 60;
    const spacing = Math.floor(beats / maxTimeSignatures);
    const changes = Array.from({ length: maxTimeSignatures }, (_, i) => timeSignatureEvent(i === 0 ? 0 : spacing, i % 2 === 0 ? 1 : 3, 5));
    // One tick per beat: the note lasts the whole piece.
    return smfFile(
      [
        [tempoEvent(0, 60_000_000 / maxBpm), ...changes],
        [noteOnEvent(0, 0, 60), noteOffEvent(beats, 0, 60)],
      ],
      { division: 1 },
    );
  },
  /** The header declares 65,535 tracks and as many minimal chunks follow as fit. */
  'track-flood': (bytes) => {
    const file = smfFile([aNote]);
    const count = Math.min(65_535, Math.floor((bytes - OVERHEAD) / 12));
    file.chunks = Array.from({ length: count }, () => ({ id: 'MTrk', events: [END_OF_TRACK] }));
    file.chunks[0] = { id: 'MTrk', events: [...aNote, END_OF_TRACK] };
    file.declaredTracks = 65_535;
    return file;
  },
};

export type WorstCaseName = keyof typeof WORST_CASES;

/** The named worst case, `bytes` long at most (default: the file-size limit less 1 KB). */
export function worstCaseFile(name: string, bytes: number = DEFAULT_MIDI_LIMITS.maxBytes - 1024): Uint8Array {
  const build = WORST_CASES[name];
  if (build === undefined) throw new Error(`no worst case named ${name}; known: ${Object.keys(WORST_CASES).join(', ')}`);
  const file = writeSmf(build(bytes));
  if (file.length > bytes) throw new Error(`worst case ${name} came out ${file.length} bytes, over its budget of ${bytes}`);
  return file;
}
