import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tonejs from '@tonejs/midi';
import { afterAll, describe, expect, it } from 'vitest';
import { assertValidPiece, type Piece, type Track } from '../../src/music/piece.js';
import { parseMidi, readMidiFile } from '../../src/midi/read.js';
import { writeMidi } from '../../src/midi/write.js';
import { InvalidInputError } from '../../src/util/errors.js';
import { chunk, header, noteOff, noteOn, program, scaleFile, smf, tempo, timeSignature } from './smf.js';

const melody: Track = {
  name: 'melody',
  program: 73,
  isDrum: false,
  notes: [
    { pitch: 72, start: 0, duration: 1, velocity: 100 },
    { pitch: 74, start: 1, duration: 0.5, velocity: 90 },
    { pitch: 76, start: 1.5, duration: 2.25, velocity: 64 },
    // Repeated pitch straight after the previous note: must not be cut by its release.
    { pitch: 76, start: 3.75, duration: 0.25, velocity: 64 },
  ],
};
const bass: Track = {
  name: 'bass',
  program: 33,
  isDrum: false,
  notes: [
    { pitch: 36, start: 0, duration: 2, velocity: 110 },
    { pitch: 43, start: 2, duration: 2, velocity: 110 },
  ],
};
const drums: Track = {
  name: 'kit',
  program: 0,
  isDrum: true,
  notes: [
    { pitch: 36, start: 0, duration: 0.25, velocity: 120 },
    { pitch: 42, start: 0.5, duration: 0.25, velocity: 70 },
  ],
};

const piece: Piece = {
  tracks: [melody, bass, drums],
  tempos: [
    { time: 0, bpm: 120 },
    { time: 2, bpm: 100 },
  ],
  timeSignatures: [
    { time: 0, numerator: 3, denominator: 4 },
    { time: 3, numerator: 6, denominator: 8 },
  ],
  title: 'test piece',
};

function expectInvalid(run: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidInputError);
  const message = (caught as Error).message;
  expect(message).toMatch(pattern);
  expect(message).not.toContain('\n');
}

describe('writeMidi → parseMidi', () => {
  it('keeps tracks, programs, drum flags, names, notes and the tempo and metre maps', () => {
    const back = parseMidi(writeMidi(piece));
    assertValidPiece(back);
    expect(back.tracks).toEqual(piece.tracks);
    expect(back.timeSignatures).toEqual(piece.timeSignatures);
    expect(back.tempos).toEqual(piece.tempos);
    expect(back.title).toBe('test piece');
  });

  it('puts drums on channel 10 and other tracks on distinct channels, skipping 10', () => {
    const many: Piece = {
      ...piece,
      tracks: [drums, ...Array.from({ length: 16 }, (_, i) => ({ ...bass, name: `part ${i}`, program: i }))],
    };
    const midi = new tonejs.Midi(writeMidi(many));
    const channels = midi.tracks.filter((t) => t.notes.length > 0).map((t) => t.channel);
    expect(channels[0]).toBe(9);
    const melodic = channels.slice(1);
    expect(melodic.slice(0, 15)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15]);
    // The 16th melodic track wraps to channel 0 but stays its own track when read back.
    expect(melodic[15]).toBe(0);
    const back = parseMidi(writeMidi(many));
    expect(back.tracks.map((t) => t.name)).toEqual(many.tracks.map((t) => t.name));
    expect(back.tracks.map((t) => t.program)).toEqual(many.tracks.map((t) => t.program));
  });

  it('refuses a gap longer than a MIDI delta time can hold', () => {
    const far: Piece = { ...piece, tracks: [{ ...melody, notes: [{ pitch: 60, start: 1e6, duration: 1, velocity: 80 }] }] };
    expectInvalid(() => writeMidi(far), /^cannot write MIDI: a gap of 1000000 beats/);
  });

  it('keeps velocities 1..127 exactly and odd tempos to the microsecond', () => {
    const notes = Array.from({ length: 127 }, (_, i) => ({ pitch: 60, start: i, duration: 1, velocity: i + 1 }));
    const all: Piece = { ...piece, tracks: [{ ...melody, notes }], tempos: [{ time: 0, bpm: 137 }] };
    const back = parseMidi(writeMidi(all));
    expect(back.tracks[0]!.notes.map((n) => n.velocity)).toEqual(notes.map((n) => n.velocity));
    expect(back.tempos[0]!.bpm).toBeCloseTo(137, 3);
  });
});

describe('parseMidi', () => {
  it('reads ticks as quarter notes, programs, and drops tracks without notes', () => {
    const bytes = smf(
      [
        [...tempo(0, 500_000), ...timeSignature(0, 6, 3)],
        [...program(0, 2, 41), ...noteOn(0, 2, 60), ...noteOff(240, 2, 60), ...noteOn(240, 2, 62), ...noteOff(960, 2, 62)],
        [...noteOn(96, 9, 38), ...noteOff(0, 9, 38)],
      ],
      { division: 96 },
    );
    const read = parseMidi(bytes);
    expect(read.tracks).toHaveLength(2);
    const [viola, kit] = read.tracks;
    expect(viola).toMatchObject({ program: 41, isDrum: false, name: 'viola' });
    expect(viola!.notes).toEqual([
      { pitch: 60, start: 0, duration: 2.5, velocity: 100 },
      { pitch: 62, start: 5, duration: 10, velocity: 100 },
    ]);
    // A drum hit written as on/off at the same tick lasts one tick.
    expect(kit).toMatchObject({ isDrum: true, program: 0, name: 'drums' });
    expect(kit!.notes).toEqual([{ pitch: 38, start: 1, duration: 1 / 96, velocity: 100 }]);
    expect(read.timeSignatures).toEqual([{ time: 0, numerator: 6, denominator: 8 }]);
    expect(read.tempos).toEqual([{ time: 0, bpm: 120 }]);
  });

  it('keeps two chunks on the same channel and program as two tracks', () => {
    const part = (pitch: number): number[] => [...program(0, 0, 0), ...noteOn(0, 0, pitch), ...noteOff(480, 0, pitch)];
    const read = parseMidi(smf([part(60), part(48)]));
    expect(read.tracks.map((t) => t.notes[0]!.pitch)).toEqual([60, 48]);
  });

  it('splits one chunk with two channels into two tracks', () => {
    const read = parseMidi(
      smf([[...program(0, 0, 0), ...program(0, 1, 40), ...noteOn(0, 0, 60), ...noteOn(0, 1, 67), ...noteOff(480, 0, 60), ...noteOff(0, 1, 67)]]),
    );
    expect(read.tracks.map((t) => t.program).sort((a, b) => a - b)).toEqual([0, 40]);
  });

  it('skips chunks of unknown types, as the standard asks', () => {
    const scale = scaleFile();
    const alien = chunk('XFIH', [1, 2, 3, 4, 5]);
    const bytes = Uint8Array.from([...scale.subarray(0, 14), ...alien, ...scale.subarray(14)]);
    expect(parseMidi(bytes).tracks[0]!.notes).toHaveLength(8);
    expectInvalid(() => parseMidi(Uint8Array.from([...header({ tracks: 1 }), ...alien])), /^MIDI file has no track data/);
  });

  it('defaults to 120 BPM and 4/4 before the first tempo and metre events', () => {
    const read = parseMidi(smf([[...tempo(960, 1_000_000), ...noteOn(0, 0, 60), ...noteOff(480, 0, 60)]]));
    expect(read.tempos).toEqual([
      { time: 0, bpm: 120 },
      { time: 2, bpm: 60 },
    ]);
    expect(read.timeSignatures).toEqual([{ time: 0, numerator: 4, denominator: 4 }]);
  });
});

describe('parseMidi rejects bad input with one clear line', () => {
  it('empty, non-MIDI and truncated files', () => {
    expectInvalid(() => parseMidi(new Uint8Array()), /^empty file/);
    expectInvalid(() => parseMidi(new TextEncoder().encode('hello world, not music')), /^not a MIDI file \(expected "MThd" header\)$/);
    expectInvalid(() => parseMidi(scaleFile().subarray(0, 10)), /^truncated MIDI file/);
    expectInvalid(() => parseMidi(scaleFile().subarray(0, 14)), /^MIDI file has no track data/);
    expectInvalid(() => parseMidi(scaleFile().subarray(0, 40)), /^truncated MIDI file: track 1 declares/);
  });

  it('files over the size limit, naming the variable to raise it', () => {
    const bytes = new Uint8Array(9_542_042);
    bytes.set(scaleFile());
    expectInvalid(() => parseMidi(bytes), /^file too large: 9\.1 MB > limit 4 MB \(set RHYTHMIX_MAX_MIDI_BYTES\)$/);
    expectInvalid(() => parseMidi(scaleFile(), { maxBytes: 50 }), /file too large: \d+ bytes > limit 50 bytes/);
  });

  it('follows RHYTHMIX_MAX_MIDI_BYTES', () => {
    const previous = process.env.RHYTHMIX_MAX_MIDI_BYTES;
    process.env.RHYTHMIX_MAX_MIDI_BYTES = '20';
    try {
      expectInvalid(() => parseMidi(scaleFile()), /limit 20 bytes/);
    } finally {
      if (previous === undefined) delete process.env.RHYTHMIX_MAX_MIDI_BYTES;
      else process.env.RHYTHMIX_MAX_MIDI_BYTES = previous;
    }
  });

  it('absurd tempos', () => {
    const withTempo = (mpqn: number): Uint8Array => smf([[...tempo(0, mpqn), ...noteOn(0, 0, 60), ...noteOff(480, 0, 60)]]);
    expectInvalid(() => parseMidi(withTempo(0)), /^absurd tempo: infinite BPM at tick 0/);
    expectInvalid(() => parseMidi(withTempo(1)), /^absurd tempo: 60000000 BPM/);
    expectInvalid(() => parseMidi(withTempo(0xffffff)), /^absurd tempo: 3\.576 BPM .*allowed 5\.\.1000 BPM/);
    expect(parseMidi(withTempo(0xffffff), { minBpm: 1 }).tempos[0]!.bpm).toBeCloseTo(3.576, 3);
  });

  it('thousands of tracks, too many notes, too long', () => {
    const thousands = Uint8Array.from([...header({ tracks: 5000 }), ...chunk('MTrk', [0x00, 0xff, 0x2f, 0x00])]);
    expectInvalid(() => parseMidi(thousands), /^too many tracks: 5000 > limit 256 \(set RHYTHMIX_MAX_MIDI_TRACKS\)$/);
    expectInvalid(() => parseMidi(scaleFile(), { maxNotes: 5 }), /^too many notes: more than 5 \(set RHYTHMIX_MAX_MIDI_NOTES\)$/);
    expectInvalid(() => parseMidi(scaleFile(), { maxSeconds: 3 }), /^piece too long: 4 s > limit 3 s/);
  });

  it('files without notes, unsupported headers and corrupt events', () => {
    expectInvalid(() => parseMidi(smf([tempo(0, 500_000)])), /^MIDI file has no notes$/);
    expectInvalid(() => parseMidi(smf([noteOn(0, 0, 60)])), /^MIDI file has no notes$/);
    expectInvalid(() => parseMidi(smf([noteOn(0, 0, 60)], { format: 3 })), /^unsupported MIDI format 3/);
    expectInvalid(() => parseMidi(smf([noteOn(0, 0, 60)], { division: 0xe728 })), /^SMPTE time division/);
    expectInvalid(() => parseMidi(smf([noteOn(0, 0, 60)], { division: 0 })), /0 ticks per quarter note/);
    expectInvalid(() => parseMidi(Uint8Array.from([...header({ tracks: 1 }), ...chunk('MTrk', [], 0xfffffff0)])), /declares 4294967280 bytes/);
    expectInvalid(() => parseMidi(Uint8Array.from([...header({ tracks: 1 }), 0x4d, 0x54, 0x00, 0x6b, 0, 0, 0, 0])), /chunk "0x4d54006b"/);
    expectInvalid(() => parseMidi(smf([[0x00, 0x3c, 0x40]])), /data byte without a status byte/);
    expectInvalid(() => parseMidi(smf([[0x00, 0xf4]])), /unknown event type 0xf4/);
    expectInvalid(() => parseMidi(smf([[0x80, 0x80, 0x80, 0x80, 0x00]])), /delta time longer than 4 bytes/);
    expectInvalid(() => parseMidi(smf([[0x00, 0xff, 0x51, 0x02, 0x07, 0xa1]])), /tempo event of 2 bytes/);
    expectInvalid(() => parseMidi(smf([timeSignature(0, 4, 9)])), /invalid time signature 4\/2\^9/);
    expectInvalid(() => parseMidi(smf([[0x00, 0x90, 0x3c]])), /truncated MIDI file: channel event cut off/);
  });

  it('note-offs that never pair up: ignored, in linear time', () => {
    const orphanOffs = Array.from({ length: 9000 }, () => noteOff(0, 0, 61)).flat();
    const ons = Array.from({ length: 9000 }, () => noteOn(1, 0, 60)).flat();
    expectInvalid(() => parseMidi(smf([[...orphanOffs, ...ons]])), /^MIDI file has no notes$/);
  });
});

describe('large files', () => {
  it('reads a 150,000-note track completely (pairing is linear, not quadratic as in @tonejs/midi)', () => {
    const notes = Array.from({ length: 150_000 }, (_, i) => ({ pitch: 30 + (i % 60), start: i / 8, duration: 0.125, velocity: 64 }));
    const bytes = writeMidi({ ...piece, tracks: [{ ...melody, notes }], tempos: [{ time: 0, bpm: 900 }] });
    const started = performance.now();
    const read = parseMidi(bytes);
    expect(read.tracks[0]!.notes).toEqual(notes);
    // Loose: linear decoding takes well under a second; the quadratic pairing took ~30 s.
    expect(performance.now() - started).toBeLessThan(15_000);
  });
});

describe('readMidiFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rhythmix-midi-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file and titles the piece after it', async () => {
    const path = join(dir, 'scale.mid');
    writeFileSync(path, scaleFile());
    const read = await readMidiFile(path);
    expect(read.title).toBe('scale');
    expect(read.tracks[0]!.notes).toHaveLength(8);
  });

  it('names the file in its errors', async () => {
    const path = join(dir, 'bad.mid');
    writeFileSync(path, 'MThd');
    await expect(readMidiFile(path)).rejects.toThrow(new InvalidInputError(`${path}: truncated MIDI file: 4 bytes, the header alone needs 14`));
    await expect(readMidiFile(join(dir, 'missing.mid'))).rejects.toThrow(/missing\.mid: no such file$/);
    await expect(readMidiFile(dir)).rejects.toThrow(/: not a file$/);
  });

  it('checks the size before reading the file', async () => {
    const path = join(dir, 'big.mid');
    writeFileSync(path, new Uint8Array(2048));
    await expect(readMidiFile(path, { maxBytes: 1024 })).rejects.toThrow(/file too large: 2 KB > limit 1 KB/);
  });
});
