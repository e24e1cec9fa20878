/**
 * Mutated MIDI files for the fuzzer. Structure-aware: a seed file is split into header, chunks
 * and events (smf.ts), then its fields are set wrong one at a time — header fields, chunk
 * lengths, variable-length numbers, running status, meta lengths, data bytes — or it is flooded
 * with one kind of event (tempo, time signature, sysex, unknown meta, notes, controllers, names)
 * up to the size limit, given up to 65,535 tracks, or cut short; byte-level noise on top now and
 * then. Every case is a pure function of (seed, index), so a failure reproduces alone.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { datasetsRoot } from '../datasets/paths.js';
import { DEFAULT_MIDI_LIMITS } from '../midi/limits.js';
import { writeMidi } from '../midi/write.js';
import { Rng } from '../model/rng.js';
import type { Piece } from '../music/piece.js';
import { BYTE_MUTATIONS } from './bytes.js';
import {
  END_OF_TRACK,
  metaEvent,
  noteOffEvent,
  noteOnEvent,
  programEvent,
  smfFile,
  splitSmf,
  sysexEvent,
  tempoEvent,
  timeSignatureEvent,
  trackNameEvent,
  varInt,
  writeSmf,
  type SmfEvent,
  type SmfFile,
} from './smf.js';

/** Files generated here, so the fuzzer runs without the shared data sets. */
function generatedSeeds(): Uint8Array[] {
  const notes = (base: number, count: number) =>
    Array.from({ length: count }, (_, i) => ({ pitch: base + (i % 12), start: i * 0.5, duration: 0.75, velocity: 30 + (i % 90) }));
  const piece: Piece = {
    tracks: [
      { name: 'lead', program: 80, isDrum: false, notes: notes(60, 40) },
      { name: 'bass', program: 33, isDrum: false, notes: notes(36, 24) },
      { name: 'drums', program: 0, isDrum: true, notes: notes(35, 16) },
    ],
    tempos: [
      { time: 0, bpm: 140 },
      { time: 8, bpm: 90 },
    ],
    timeSignatures: [
      { time: 0, numerator: 7, denominator: 8 },
      { time: 7, numerator: 4, denominator: 4 },
    ],
    title: 'fuzz seed',
  };
  // Running status, a sysex, a name, two channels in one chunk, format 0.
  const handBuilt = smfFile(
    [
      [
        trackNameEvent('hand built'),
        sysexEvent(0, [0x7e, 0x7f, 0x09, 0x01]),
        tempoEvent(0, 600_000),
        timeSignatureEvent(0, 3, 2),
        programEvent(0, 1, 40),
        noteOnEvent(0, 0, 60),
        { delta: 0, body: [64, 90] },
        noteOnEvent(0, 1, 67),
        noteOffEvent(480, 0, 60),
        { delta: 0, body: [0x80, 64, 0] },
        noteOffEvent(0, 1, 67),
      ],
    ],
    { format: 0 },
  );
  return [writeMidi(piece), writeSmf(handBuilt)];
}

/** Up to `count` well-formed files from the shared data sets, when they are there (not in CI). */
function datasetSeeds(count: number): Uint8Array[] {
  const root = datasetsRoot();
  if (!existsSync(root)) return [];
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      if (found.length >= count) return;
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.midi?$/i.test(entry) && statSync(path).size < 64 * 1024) found.push(path);
    }
  };
  for (const dataset of readdirSync(root).sort()) {
    const dir = join(root, dataset);
    if (statSync(dir).isDirectory()) walk(dir);
    if (found.length >= count) break;
  }
  return found.map((path) => readFileSync(path));
}

/** The seed files, split; files that do not split (not well-formed) are left out. */
export function midiCorpus(options: { datasetFiles?: number } = {}): SmfFile[] {
  const files = [...generatedSeeds(), ...datasetSeeds(options.datasetFiles ?? 8)];
  return files.map(splitSmf).filter((file): file is SmfFile => file !== undefined);
}

const clone = (file: SmfFile): SmfFile => ({ ...file, chunks: file.chunks.map((chunk) => ({ ...chunk, events: [...chunk.events] })) });

/** Log-uniform in [1, max]: mostly small, sometimes huge. */
const logUniform = (random: Rng, max: number): number => Math.max(1, Math.floor(Math.exp(random.next() * Math.log(max))));

const pick = <T>(random: Rng, items: readonly T[]): T => items[random.int(items.length)]!;

function trackChunks(file: SmfFile): SmfFile['chunks'] {
  if (file.chunks.length === 0) file.chunks.push({ id: 'MTrk', events: [END_OF_TRACK] });
  return file.chunks;
}

function randomEvent(random: Rng, file: SmfFile): { events: SmfEvent[]; index: number } | undefined {
  const chunk = pick(random, trackChunks(file));
  if (chunk.events.length === 0) return undefined;
  return { events: chunk.events, index: random.int(chunk.events.length) };
}

/** Bytes an event takes with its delta time. */
const sizeOf = (event: SmfEvent): number => (event.deltaBytes?.length ?? varInt(event.delta).length) + event.body.length;

/** One event of each kind a flood can repeat. */
function floodEvent(random: Rng): SmfEvent {
  const channel = random.int(16);
  return pick(random, [
    tempoEvent(random.int(3), 200_000 + random.int(800_000)),
    timeSignatureEvent(random.int(3), 1 + random.int(12), random.int(6)),
    sysexEvent(
      0,
      Array.from({ length: random.int(8) }, () => random.int(128)),
    ),
    { delta: 0, body: [0xf7, 0x00] },
    metaEvent(
      0,
      pick(random, [0x01, 0x05, 0x06, 0x60, 0x7f, 0x03]),
      Array.from({ length: random.int(6) }, () => 0x61),
    ),
    { delta: random.int(2), body: [0x90 | channel, 60 + random.int(12), 1 + random.int(126), 1, 0x80 | channel, 60, 0] },
    { delta: 0, body: [0xb0 | channel, random.int(128), random.int(128)] },
    { delta: 1, body: [0xe0 | channel, random.int(128), random.int(128)] },
  ]);
}

const MUTATIONS: Readonly<Record<string, (file: SmfFile, random: Rng) => void>> = {
  headerField(file, random) {
    const field = random.int(4);
    if (field === 0) file.format = pick(random, [0, 1, 2, 3, 0xffff, random.int(0x10000)]);
    if (field === 1) file.declaredTracks = pick(random, [0, 1, file.chunks.length + 1, Math.max(0, file.chunks.length - 1), 65_535, random.int(0x10000)]);
    if (field === 2) file.division = pick(random, [0, 1, 0x7fff, 0x8000 | random.int(0x8000), random.int(0x10000)]);
    if (field === 3) file.headerLength = pick(random, [0, 4, 5, 7, 12, 0xffffffff, random.int(2 ** 32)]);
  },
  chunkLength(file, random) {
    const chunk = pick(random, trackChunks(file));
    const real = writeSmf({ ...file, chunks: [chunk] }).length - 22;
    chunk.declaredLength = pick(random, [0, real - 1, real + 1, real + random.int(64), 0xffffffff, 0x7fffffff, random.int(2 ** 32)]) >>> 0;
  },
  deltaTime(file, random) {
    const at = randomEvent(random, file);
    if (at === undefined) return;
    const event = at.events[at.index]!;
    const deltaBytes = pick(random, [[0x80, 0x80, 0x80, 0x80, 0x00], [0xff, 0xff, 0xff, 0x7f], [0x80, 0x00], [0x81], [0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]]);
    at.events[at.index] = { ...event, deltaBytes };
  },
  runningStatus(file, random) {
    // Drop a channel event's status byte: fine after the same status, wrong anywhere else.
    const chunk = pick(random, trackChunks(file));
    const channelEvents = chunk.events.flatMap((event, i) => (event.body[0] !== undefined && event.body[0] >= 0x80 && event.body[0] < 0xf0 ? [i] : []));
    if (channelEvents.length === 0) return;
    const i = pick(random, channelEvents);
    chunk.events[i] = { ...chunk.events[i]!, body: chunk.events[i]!.body.slice(1) };
  },
  metaLength(file, random) {
    const chunk = pick(random, trackChunks(file));
    const metas = chunk.events.flatMap((event, i) => (event.body[0] === 0xff ? [i] : []));
    if (metas.length === 0) return;
    const i = pick(random, metas);
    const { body } = chunk.events[i]!;
    const length = pick(random, [0, 1, 2, 4, 5, 0x7f, 0x0fffffff, 1 << 20, (1 << 20) + 1]);
    chunk.events[i] = { ...chunk.events[i]!, body: [0xff, body[1]!, ...varInt(length), ...body.slice(3)] };
  },
  dataByte(file, random) {
    const at = randomEvent(random, file);
    if (at === undefined) return;
    const body = [...at.events[at.index]!.body];
    if (body.length < 2) return;
    const i = 1 + random.int(body.length - 1);
    body[i] = body[i]! | 0x80;
    at.events[at.index] = { ...at.events[at.index]!, body };
  },
  unknownStatus(file, random) {
    const chunk = pick(random, trackChunks(file));
    chunk.events.splice(random.int(chunk.events.length + 1), 0, { delta: 0, body: [0xf1 + random.int(14), random.int(128)] });
  },
  flood(file, random) {
    const event = floodEvent(random);
    const budget = DEFAULT_MIDI_LIMITS.maxBytes - 1024;
    const chunk = pick(random, trackChunks(file));
    chunk.events.splice(random.int(chunk.events.length + 1), 0, { ...event, repeat: logUniform(random, Math.floor(budget / sizeOf(event))) });
  },
  manyTracks(file, random) {
    const count = logUniform(random, 65_535);
    const channel = random.int(16);
    // Each chunk its own object: a later mutation (a flood) changes one chunk, not all of them.
    for (let i = 0; i < count; i += 1) file.chunks.push({ id: 'MTrk', events: [noteOnEvent(0, channel, 60), noteOffEvent(1, channel, 60), END_OF_TRACK] });
    file.declaredTracks = random.next() < 0.5 ? 65_535 : Math.min(65_535, file.chunks.length);
  },
  alienChunks(file, random) {
    const count = logUniform(random, 4096);
    const id = pick(random, ['XFIH', 'MTrX', 'abcd', 'MThd']);
    const raw = Array.from({ length: random.int(16) }, () => random.int(256));
    const aliens = Array.from({ length: count }, () => ({ id, events: [], raw }));
    file.chunks = [...file.chunks.slice(0, 1), ...aliens, ...file.chunks.slice(1)];
  },
  dropEndOfTrack(file, random) {
    const chunk = pick(random, trackChunks(file));
    chunk.events = chunk.events.filter((event) => !(event.body[0] === 0xff && event.body[1] === 0x2f));
  },
  reorderChunks(file, random) {
    file.chunks.reverse();
    if (random.next() < 0.5) file.chunks = [...file.chunks, ...file.chunks.slice(0, 1 + random.int(Math.min(16, file.chunks.length)))];
  },
};

const MUTATION_NAMES = Object.keys(MUTATIONS);
const BYTE_NAMES = Object.keys(BYTE_MUTATIONS);

export interface MidiCase {
  /** The mutations applied, e.g. "flood+truncate". */
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** Case `index` of a run seeded `seed`: one to three structure mutations, and bytes mutated now and then. */
export function midiCase(corpus: readonly SmfFile[], seed: number, index: number): MidiCase {
  const random = new Rng(seed * 7919 + index * 2 + 1);
  const file = clone(pick(random, corpus));
  const names: string[] = [];
  for (let count = 1 + random.int(3); count > 0; count -= 1) {
    // Round-robin for the first, so every mutation gets its share; random after.
    const name = count === 1 ? MUTATION_NAMES[index % MUTATION_NAMES.length]! : pick(random, MUTATION_NAMES);
    MUTATIONS[name]!(file, random);
    names.push(name);
  }
  let bytes = writeSmf(file);
  if (random.next() < 0.25) {
    const name = pick(random, BYTE_NAMES);
    bytes = BYTE_MUTATIONS[name]!(bytes, random);
    names.push(name);
  }
  return { name: names.join('+'), bytes };
}
