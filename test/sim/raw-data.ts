import type { RawData } from 'ws';

/** A WebSocket message's text, whichever of ws's three shapes (Buffer, ArrayBuffer, fragments) it came in. */
export function rawText(raw: RawData): string {
  if (Array.isArray(raw)) return Buffer.concat(raw).toString();
  return Buffer.isBuffer(raw) ? raw.toString() : Buffer.from(raw).toString();
}
