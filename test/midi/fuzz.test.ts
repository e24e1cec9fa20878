/**
 * Fuzzing the MIDI reader: 1,500 mutations of valid files (bit flips, truncation, inserted and
 * deleted bytes, header tweaks, huge length fields, runaway variable-length numbers, spliced
 * chunks). Seeded, so a failure reproduces: the case index and seed are in the message.
 * Every input must either parse into a valid piece or be rejected with a one-line
 * InvalidInputError — never another exception, a crash or a hang.
 */
import tonejs from '@tonejs/midi';
import { describe, expect, it } from 'vitest';
import { assertValidPiece, noteCount, type Piece } from '../../src/music/piece.js';
import { parseMidi } from '../../src/midi/read.js';
import { writeMidi } from '../../src/midi/write.js';
import { InvalidInputError } from '../../src/util/errors.js';
import { scaleFile } from './smf.js';
import { mulberry32 } from '../support/random.js';

const SEED = 0x5eed_2026;
const CASES = 1500;

function basePieces(): Piece[] {
  const notes = (program: number, base: number) =>
    Array.from({ length: 40 }, (_, i) => ({ pitch: base + (i % 12), start: i * 0.5, duration: 0.75, velocity: 30 + i }));
  return [
    {
      tracks: [
        { name: 'lead', program: 80, isDrum: false, notes: notes(80, 60) },
        { name: 'bass', program: 33, isDrum: false, notes: notes(33, 36) },
        { name: 'drums', program: 0, isDrum: true, notes: notes(0, 35) },
      ],
      tempos: [
        { time: 0, bpm: 140 },
        { time: 8, bpm: 90 },
      ],
      timeSignatures: [
        { time: 0, numerator: 7, denominator: 8 },
        { time: 7, numerator: 4, denominator: 4 },
      ],
      title: 'fuzz base',
    },
  ];
}

/** Valid files of several shapes: our writer, @tonejs/midi's writer (running status), a hand-built one. */
function baseFiles(): Uint8Array[] {
  const ours = basePieces().map(writeMidi);
  const tone = new tonejs.Midi();
  const track = tone.addTrack();
  for (let i = 0; i < 30; i += 1) track.addNote({ midi: 50 + i, ticks: i * 240, durationTicks: 700, velocity: 0.7 });
  return [...ours, tone.toArray(), scaleFile()];
}

type Mutation = (bytes: Uint8Array, random: () => number) => Uint8Array;

const int = (random: () => number, below: number): number => Math.floor(random() * below);

const MUTATIONS: Record<string, Mutation> = {
  bitFlips(bytes, random) {
    const out = bytes.slice();
    const flips = 1 + int(random, 8);
    for (let i = 0; i < flips; i += 1) {
      const at = int(random, out.length);
      out[at] = out[at]! ^ (1 << int(random, 8));
    }
    return out;
  },
  truncate(bytes, random) {
    return bytes.slice(0, int(random, bytes.length));
  },
  insertBytes(bytes, random) {
    const at = int(random, bytes.length + 1);
    const inserted = Array.from({ length: 1 + int(random, 16) }, () => int(random, 256));
    return Uint8Array.from([...bytes.subarray(0, at), ...inserted, ...bytes.subarray(at)]);
  },
  deleteBytes(bytes, random) {
    const at = int(random, bytes.length);
    return Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + 1 + int(random, 8))]);
  },
  headerTweak(bytes, random) {
    const out = bytes.slice();
    // Format, track count or division: bytes 8..13.
    out[8 + int(random, 6)] = int(random, 256);
    return out;
  },
  hugeLength(bytes, random) {
    const out = bytes.slice();
    // Overwrite a chunk length field (MThd's at 4, or a later MTrk's) with a large value.
    const chunkStarts = [4];
    for (let i = 14; i + 8 <= out.length; i += 1) if (out[i] === 0x4d && out[i + 1] === 0x54 && out[i + 2] === 0x72) chunkStarts.push(i + 4);
    const at = chunkStarts[int(random, chunkStarts.length)]!;
    const value = [0xffffffff, 0x7fffffff, 0x80000000, 0x00ffffff, int(random, 2 ** 32)][int(random, 5)]!;
    new DataView(out.buffer).setUint32(at, value >>> 0);
    return out;
  },
  varIntBomb(bytes, random) {
    const at = 22 + int(random, Math.max(1, bytes.length - 22));
    return Uint8Array.from([...bytes.subarray(0, at), ...new Array<number>(1 + int(random, 64)).fill(0xff), ...bytes.subarray(at)]);
  },
  spliceChunks(bytes, random) {
    // Repeat a random slice of the file at a random place (duplicated or overlapping chunks).
    const from = int(random, bytes.length);
    const slice = bytes.subarray(from, from + 1 + int(random, 200));
    const at = int(random, bytes.length + 1);
    return Uint8Array.from([...bytes.subarray(0, at), ...slice, ...bytes.subarray(at)]);
  },
  garbage(_bytes, random) {
    const length = int(random, 4) === 0 ? 14 + int(random, 64) : int(random, 512);
    const out = Uint8Array.from({ length }, () => int(random, 256));
    if (length >= 4 && random() < 0.7) out.set([0x4d, 0x54, 0x68, 0x64]); // "MThd"
    return out;
  },
};

describe('MIDI reader under fuzzing', () => {
  it(`survives ${CASES} mutated files: valid piece or one-line InvalidInputError`, () => {
    const random = mulberry32(SEED);
    const bases = baseFiles();
    const names = Object.keys(MUTATIONS);
    const outcomes = { parsed: 0, rejected: 0 };
    const rejectedBy = new Map<string, number>();
    let slowest = 0;
    const started = performance.now();

    for (let index = 0; index < CASES; index += 1) {
      const name = names[index % names.length]!;
      const base = bases[int(random, bases.length)]!;
      let bytes = MUTATIONS[name]!(base, random);
      // A second mutation now and then, for combinations.
      if (random() < 0.2) bytes = MUTATIONS[names[int(random, names.length)]!]!(bytes, random);
      const where = `case ${index} (${name}, seed ${SEED})`;

      const t0 = performance.now();
      try {
        const piece = parseMidi(bytes);
        assertValidPiece(piece);
        expect(noteCount(piece), where).toBeGreaterThan(0);
        outcomes.parsed += 1;
      } catch (error) {
        if (!(error instanceof InvalidInputError)) {
          throw new Error(`${where}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
        }
        expect(error.message, where).not.toMatch(/\n/);
        expect(error.message.length, where).toBeLessThan(200);
        expect(error.message, where).not.toMatch(/undefined|NaN|\[object/);
        outcomes.rejected += 1;
        const kind = error.message.replace(/[\d.]+/g, '#').split(':')[0]!;
        rejectedBy.set(kind, (rejectedBy.get(kind) ?? 0) + 1);
      }
      slowest = Math.max(slowest, performance.now() - t0);
    }

    const total = performance.now() - started;
    expect(outcomes.parsed + outcomes.rejected).toBe(CASES);
    // Both outcomes occur: the mutations neither all break nor all miss the files.
    expect(outcomes.parsed).toBeGreaterThan(50);
    expect(outcomes.rejected).toBeGreaterThan(500);
    expect(rejectedBy.size).toBeGreaterThan(5);
    // Loose bounds (2 shared cores): a hang would blow through them by orders of magnitude.
    expect(slowest).toBeLessThan(2_000);
    expect(total).toBeLessThan(30_000);
  });
});
