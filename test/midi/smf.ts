/**
 * Hand-built Standard MIDI File bytes for tests: exactly the bytes a case needs, including
 * ones no well-behaved writer would produce.
 */

/** MIDI variable-length quantity. */
export function varInt(value: number): number[] {
  const bytes = [value & 0x7f];
  let rest = Math.floor(value / 128);
  while (rest > 0) {
    bytes.unshift((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  return bytes;
}

function uint32(value: number): number[] {
  return [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

export function chunk(id: string, body: readonly number[], declaredLength = body.length): number[] {
  return [...Array.from(id, (c) => c.charCodeAt(0)), ...uint32(declaredLength), ...body];
}

export function header(options: { format?: number; tracks: number; division?: number }): number[] {
  const division = options.division ?? 480;
  return chunk('MThd', [0, options.format ?? 1, options.tracks >> 8, options.tracks & 0xff, division >> 8, division & 0xff]);
}

export const endOfTrack = [0x00, 0xff, 0x2f, 0x00];

export function tempo(delta: number, microsecondsPerBeat: number): number[] {
  return [...varInt(delta), 0xff, 0x51, 0x03, (microsecondsPerBeat >> 16) & 0xff, (microsecondsPerBeat >> 8) & 0xff, microsecondsPerBeat & 0xff];
}

export function timeSignature(delta: number, numerator: number, denominatorPower: number): number[] {
  return [...varInt(delta), 0xff, 0x58, 0x04, numerator, denominatorPower, 24, 8];
}

export function noteOn(delta: number, channel: number, pitch: number, velocity = 100): number[] {
  return [...varInt(delta), 0x90 | channel, pitch, velocity];
}

export function noteOff(delta: number, channel: number, pitch: number): number[] {
  return [...varInt(delta), 0x80 | channel, pitch, 0];
}

export function program(delta: number, channel: number, number: number): number[] {
  return [...varInt(delta), 0xc0 | channel, number];
}

/** A format-1 file from track bodies (end-of-track appended). */
export function smf(tracks: ReadonlyArray<readonly number[]>, options: { format?: number; division?: number } = {}): Uint8Array {
  return Uint8Array.from([...header({ ...options, tracks: tracks.length }), ...tracks.flatMap((body) => chunk('MTrk', [...body, ...endOfTrack]))]);
}

/** One track, one channel: a C major scale of quarter notes at 480 PPQ. */
export function scaleFile(channel = 0): Uint8Array {
  const pitches = [60, 62, 64, 65, 67, 69, 71, 72];
  return smf([[...program(0, channel, 0), ...pitches.flatMap((pitch) => [...noteOn(0, channel, pitch), ...noteOff(480, channel, pitch)])]]);
}
