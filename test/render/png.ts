import { inflateSync } from 'node:zlib';

/** Reads a PNG's signature and IHDR chunk (width, height) — independent of the renderer. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (!signature.every((b, i) => bytes[i] === b)) throw new Error('not a PNG signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(8) !== 13 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') throw new Error('no IHDR chunk');
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * The pixels of an 8-bit RGB or RGBA, non-interlaced PNG (what resvg writes) as RGBA rows,
 * decoded here with zlib and the five PNG filters — independent of the renderer.
 */
export function pngPixels(bytes: Uint8Array): { width: number; height: number; rgba: Uint8Array } {
  const { width, height } = pngSize(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bitDepth = bytes[24];
  const colourType = bytes[25];
  if (bitDepth !== 8 || (colourType !== 6 && colourType !== 2) || bytes[28] !== 0) throw new Error('expected an 8-bit RGB(A) PNG, not interlaced');
  const channels = colourType === 6 ? 4 : 3;
  const idat: Uint8Array[] = [];
  for (let at = 8; at < bytes.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (type === 'IDAT') idat.push(bytes.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = new Uint8Array(width * height * 4);
  let previous = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? row[i - channels]! : 0;
      const b = previous[i]!;
      const c = i >= channels ? previous[i - channels]! : 0;
      const predictor = filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : paeth(a, b, c);
      row[i] = (line[i]! + predictor) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      for (let k = 0; k < 3; k++) out[(y * width + x) * 4 + k] = row[x * channels + k]!;
      out[(y * width + x) * 4 + 3] = channels === 4 ? row[x * channels + 3]! : 255;
    }
    previous = row;
  }
  return { width, height, rgba: out };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Share of pixels that are dark (ink on paper): luminance below 100 of 255 and opaque. */
export function darkShare(image: { width: number; height: number; rgba: Uint8Array }): number {
  let dark = 0;
  for (let i = 0; i < image.rgba.length; i += 4) {
    const luminance = 0.299 * image.rgba[i]! + 0.587 * image.rgba[i + 1]! + 0.114 * image.rgba[i + 2]!;
    if (luminance < 100 && image.rgba[i + 3]! > 128) dark++;
  }
  return dark / (image.width * image.height);
}
