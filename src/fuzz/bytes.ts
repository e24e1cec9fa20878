/** Byte-level mutations (the fuzzer's blunt instrument, beside the structure-aware ones in midi-cases.ts). */
import type { Rng } from '../model/rng.js';

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const randomBytes = (random: Rng, length: number): Uint8Array => Uint8Array.from({ length }, () => random.int(256));

export const BYTE_MUTATIONS: Readonly<Record<string, (bytes: Uint8Array, random: Rng) => Uint8Array>> = {
  bitFlips(bytes, random) {
    const out = bytes.slice();
    for (let i = 1 + random.int(8); i > 0 && out.length > 0; i -= 1) {
      const at = random.int(out.length);
      out[at] = out[at]! ^ (1 << random.int(8));
    }
    return out;
  },
  truncate(bytes, random) {
    return bytes.slice(0, random.int(bytes.length + 1));
  },
  insertBytes(bytes, random) {
    const at = random.int(bytes.length + 1);
    return concat(bytes.subarray(0, at), randomBytes(random, 1 + random.int(16)), bytes.subarray(at));
  },
  deleteBytes(bytes, random) {
    const at = random.int(bytes.length + 1);
    return concat(bytes.subarray(0, at), bytes.subarray(at + 1 + random.int(8)));
  },
  /** Runaway variable-length numbers: a run of continuation bytes. */
  varIntBomb(bytes, random) {
    const at = Math.min(bytes.length, 22 + random.int(Math.max(1, bytes.length - 22)));
    return concat(bytes.subarray(0, at), new Uint8Array(1 + random.int(64)).fill(0xff), bytes.subarray(at));
  },
  /** A slice of the file repeated elsewhere (duplicated or overlapping chunks). */
  splice(bytes, random) {
    const from = random.int(bytes.length + 1);
    const slice = bytes.subarray(from, from + 1 + random.int(200));
    const at = random.int(bytes.length + 1);
    return concat(bytes.subarray(0, at), slice, bytes.subarray(at));
  },
  /** Noise, mostly behind a valid "MThd". */
  garbage(_bytes, random) {
    const out = randomBytes(random, random.int(4) === 0 ? 14 + random.int(64) : random.int(512));
    if (out.length >= 4 && random.next() < 0.7) out.set([0x4d, 0x54, 0x68, 0x64]);
    return out;
  },
};
