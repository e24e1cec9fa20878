/** How structured values are stored in SQLite columns (JSON text, int32 token blobs). */
import { InvalidInputError } from '../util/errors.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export function encodeJsonObject(value: JsonObject | undefined): string {
  return JSON.stringify(value ?? {});
}

/** Reads a JSON-object column; a damaged value reads as {} rather than breaking a listing. */
export function decodeJsonObject(text: string | null): JsonObject {
  if (text === null || text === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : {};
  } catch {
    return {};
  }
}

/** Token ids as little-endian int32, independent of the machine's byte order. */
export function encodeTokens(tokens: ArrayLike<number>): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(new ArrayBuffer(tokens.length * 4));
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as number;
    if (!Number.isInteger(token) || token < -0x80000000 || token > 0x7fffffff) {
      throw new InvalidInputError(`token ${i} is ${token}, expected a 32-bit integer id`);
    }
    view.setInt32(i * 4, token, true);
  }
  return bytes;
}

export function decodeTokens(bytes: Uint8Array | null): Int32Array | null {
  if (bytes === null) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tokens = new Int32Array(Math.floor(bytes.byteLength / 4));
  for (let i = 0; i < tokens.length; i++) tokens[i] = view.getInt32(i * 4, true);
  return tokens;
}
