/**
 * The caps on events the reader stores or walks (tempo, time signature, system exclusive, other
 * meta events and unknown chunks), the cut of track names, and the track count checked before
 * any track is built: each at its limit is read, one past it is refused naming the variable.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_MIDI_LIMITS } from '../../src/midi/limits.js';
import { parseMidi } from '../../src/midi/read.js';
import { MAX_NAME_CHARS } from '../../src/midi/decode.js';
import { InvalidInputError } from '../../src/util/errors.js';
import { chunk, header, noteOff, noteOn, program, smf, tempo, timeSignature, varInt } from './smf.js';

const note = [...noteOn(0, 0, 60), ...noteOff(480, 0, 60)];
const times = (count: number, event: readonly number[]): number[] => Array.from({ length: count }, () => event).flat();

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as Error).message;
  }
  throw new Error('expected the file to be refused');
}

describe('caps on MIDI events', () => {
  it('has defaults for every new cap', () => {
    expect(DEFAULT_MIDI_LIMITS).toMatchObject({ maxTempos: 20_000, maxTimeSignatures: 10_000, maxSysex: 10_000, maxOtherEvents: 50_000 });
  });

  it('tempo changes: at the cap read, one more refused', () => {
    // Alternating values one tick apart, so none merges with its neighbour.
    const tempos = (count: number) => smf([[...note, ...Array.from({ length: count }, (_, i) => tempo(1, i % 2 ? 400_000 : 500_000)).flat()]]);
    expect(parseMidi(tempos(5), { maxTempos: 5 }).tempos.length).toBeGreaterThan(1);
    expect(refusal(() => parseMidi(tempos(6), { maxTempos: 5 }))).toBe('too many tempo changes: more than 5 (set RHYTHMIX_MAX_MIDI_TEMPOS)');
  });

  it('time-signature changes: at the cap read, one more refused', () => {
    const metres = (count: number) => smf([[...note, ...Array.from({ length: count }, (_, i) => timeSignature(1, i % 2 ? 3 : 4, 2)).flat()]]);
    expect(parseMidi(metres(4), { maxTimeSignatures: 4 }).timeSignatures.length).toBeGreaterThan(1);
    expect(refusal(() => parseMidi(metres(5), { maxTimeSignatures: 4 }))).toBe(
      'too many time-signature changes: more than 4 (set RHYTHMIX_MAX_MIDI_TIME_SIGNATURES)',
    );
  });

  it('system-exclusive messages (F0 and F7 alike)', () => {
    const sysex = (count: number) => smf([[...note, ...times(count, [0x00, 0xf0, 0x02, 0x7e, 0xf7]), ...times(count, [0x00, 0xf7, 0x00])]]);
    expect(parseMidi(sysex(3), { maxSysex: 6 }).tracks).toHaveLength(1);
    expect(refusal(() => parseMidi(sysex(4), { maxSysex: 6 }))).toBe('too many system-exclusive messages: more than 6 (set RHYTHMIX_MAX_MIDI_SYSEX)');
  });

  it('other meta events and unknown chunks count together', () => {
    // Each track's end-of-track counts too: two here.
    const lyrics = times(3, [0x00, 0xff, 0x05, 0x01, 0x61]);
    const unknownMeta = times(2, [0x00, 0xff, 0x60, 0x00]);
    const file = (aliens: number) =>
      Uint8Array.from([
        ...header({ tracks: 2 }),
        ...times(aliens, chunk('XFIH', [1, 2, 3])),
        ...chunk('MTrk', [...lyrics, ...note, 0x00, 0xff, 0x2f, 0x00]),
        ...chunk('MTrk', [...unknownMeta, ...note, 0x00, 0xff, 0x2f, 0x00]),
      ]);
    expect(parseMidi(file(3), { maxOtherEvents: 10 }).tracks).toHaveLength(2);
    expect(refusal(() => parseMidi(file(4), { maxOtherEvents: 10 }))).toMatch(
      /^too many meta events and unknown chunks: more than 10 besides tempo and time signatures \(set RHYTHMIX_MAX_MIDI_OTHER_EVENTS\)$/,
    );
  });

  it('caps come from the environment like the other limits', () => {
    const tempos = smf([[...note, ...Array.from({ length: 3 }, (_, i) => tempo(1, i % 2 ? 400_000 : 500_000)).flat()]]);
    const previous = process.env.RHYTHMIX_MAX_MIDI_TEMPOS;
    process.env.RHYTHMIX_MAX_MIDI_TEMPOS = '2';
    try {
      expect(refusal(() => parseMidi(tempos))).toMatch(/more than 2 \(set RHYTHMIX_MAX_MIDI_TEMPOS\)/);
    } finally {
      if (previous === undefined) delete process.env.RHYTHMIX_MAX_MIDI_TEMPOS;
      else process.env.RHYTHMIX_MAX_MIDI_TEMPOS = previous;
    }
  });

  it('cuts a track name to MAX_NAME_CHARS characters (a 1 MB name is not read whole)', () => {
    const name = 'n'.repeat(1 << 20);
    const named = smf([[0x00, 0xff, 0x03, ...varInt(name.length), ...Buffer.from(name, 'latin1'), ...note]]);
    const piece = parseMidi(named);
    expect(piece.tracks[0]!.name).toBe('n'.repeat(MAX_NAME_CHARS));
    expect(piece.title).toBe('n'.repeat(MAX_NAME_CHARS));
  });

  it('reads names as Latin-1', () => {
    const named = smf([[0x00, 0xff, 0x03, 0x04, 0x43, 0x6f, 0xe9, 0xff, ...note]]);
    expect(parseMidi(named).tracks[0]!.name).toBe('Co\u00e9\u00ff');
  });

  it('counts instrument tracks before building them: one per channel and program', () => {
    // Three programs on one channel and a drum note: four tracks from one chunk.
    const body = [...program(0, 0, 1), ...note, ...program(0, 0, 2), ...note, ...program(0, 0, 3), ...note, ...noteOn(0, 9, 36), ...noteOff(1, 9, 36)];
    expect(parseMidi(smf([body]), { maxTracks: 4 }).tracks.map((t) => t.name)).toEqual([
      'bright acoustic piano',
      'electric grand piano',
      'honky-tonk piano',
      'drums',
    ]);
    expect(refusal(() => parseMidi(smf([body]), { maxTracks: 3 }))).toBe('too many tracks: 4 instrument tracks > limit 3 (set RHYTHMIX_MAX_MIDI_TRACKS)');
  });
});
