/**
 * The originality index beside a model: `<model dir>/originality.bin`, gzip of
 *
 *   u32 LE  header length, then the header as JSON:
 *           { format: 'rhythmix-originality', version, ngram, stepsPerQuarter, pieces: [{id, style}],
 *             lines, ngrams, datasets, split, createdAt }
 *   u32 LE × lines   linePieces (the piece of each training line)
 *   u32 LE × lines   lineLengths (n-grams of each line)
 *   u32 LE × ngrams  hashes, line after line
 *
 * Hashes and piece ids only — no notes (docs/originality.md). Loaded indexes are kept by path,
 * size and modification time, so a warm compose worker pays the load once per model.
 */
import { existsSync } from 'node:fs';
import { copyFile, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { NGRAM, OriginalityIndex, type OriginalityIndexData } from '../music/originality.js';
import { InvalidInputError, errorMessage } from '../util/errors.js';
import { resolveModelDir } from './model-files.js';

export const ORIGINALITY_FILE = 'originality.bin';
const FORMAT = 'rhythmix-originality';
/** Bumped whenever the features or the hash change: an older index is then reported as out of date. */
export const ORIGINALITY_VERSION = 1;

const headerSchema = z.object({
  format: z.literal(FORMAT),
  version: z.number().int(),
  ngram: z.number().int().positive(),
  stepsPerQuarter: z.number().int().positive(),
  pieces: z.array(z.object({ id: z.string(), style: z.string() })),
  lines: z.number().int().nonnegative(),
  ngrams: z.number().int().nonnegative(),
  datasets: z.array(z.string()),
  split: z.string(),
  createdAt: z.string(),
});

/** Where the index was built from, as its header records it. */
export interface OriginalityProvenance {
  readonly datasets: readonly string[];
  readonly split: string;
  readonly createdAt: string;
}

const u32Bytes = (values: Uint32Array): Buffer => {
  const buffer = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => buffer.writeUInt32LE(v, i * 4));
  return buffer;
};

/** Writes the index into `dir` (atomically: a half-written file is never read). Returns its path and size in bytes. */
export async function writeOriginalityIndex(
  dir: string,
  data: OriginalityIndexData,
  provenance: OriginalityProvenance,
): Promise<{ path: string; bytes: number }> {
  const header = Buffer.from(
    JSON.stringify({
      format: FORMAT,
      version: ORIGINALITY_VERSION,
      ngram: data.ngram,
      stepsPerQuarter: data.stepsPerQuarter,
      pieces: data.pieces,
      lines: data.lineLengths.length,
      ngrams: data.hashes.length,
      ...provenance,
    }),
  );
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length, 0);
  const gz = gzipSync(Buffer.concat([length, header, u32Bytes(data.linePieces), u32Bytes(data.lineLengths), u32Bytes(data.hashes)]), { level: 9 });
  const file = path.join(dir, ORIGINALITY_FILE);
  await writeFile(`${file}.tmp`, gz);
  await rename(`${file}.tmp`, file);
  return { path: file, bytes: gz.length };
}

/** Parses an index file's bytes; InvalidInputError when they are not one. */
export function parseOriginalityIndex(bytes: Uint8Array, where: string): { index: OriginalityIndex; provenance: OriginalityProvenance; version: number } {
  let raw: Buffer;
  try {
    raw = gunzipSync(bytes);
  } catch (error) {
    throw new InvalidInputError(`${where}: not an originality index (${errorMessage(error)})`);
  }
  const headerLength = raw.length >= 4 ? raw.readUInt32LE(0) : -1;
  let header: z.infer<typeof headerSchema>;
  try {
    header = headerSchema.parse(JSON.parse(raw.subarray(4, 4 + headerLength).toString('utf8')));
  } catch (error) {
    throw new InvalidInputError(`${where}: not an originality index (${errorMessage(error).split('\n')[0] ?? ''})`);
  }
  const expected = 4 + headerLength + 4 * (2 * header.lines + header.ngrams);
  if (raw.length !== expected) throw new InvalidInputError(`${where}: ${raw.length} bytes, expected ${expected}`);
  // Copied out (not views): the gunzipped buffer need not be 4-byte aligned.
  const u32 = (offset: number, count: number): Uint32Array => {
    const values = new Uint32Array(count);
    for (let i = 0; i < count; i++) values[i] = raw.readUInt32LE(offset + i * 4);
    return values;
  };
  const start = 4 + headerLength;
  const data: OriginalityIndexData = {
    ngram: header.ngram,
    stepsPerQuarter: header.stepsPerQuarter,
    pieces: header.pieces,
    linePieces: u32(start, header.lines),
    lineLengths: u32(start + 4 * header.lines, header.lines),
    hashes: u32(start + 8 * header.lines, header.ngrams),
  };
  return {
    index: new OriginalityIndex(data),
    provenance: { datasets: header.datasets, split: header.split, createdAt: header.createdAt },
    version: header.version,
  };
}

/** An index as compose finds it: loaded, or why there is none (said in the result). */
export type LoadedOriginality =
  { readonly index: OriginalityIndex; readonly provenance: OriginalityProvenance } | { readonly index: null; readonly note: string };

let cached: { key: string; loaded: LoadedOriginality } | undefined;

/** The index beside `model` (a name under models/ or a folder), kept while its file is unchanged. */
export async function loadOriginalityIndex(model: string): Promise<LoadedOriginality> {
  const dir = resolveModelDir(model);
  const file = path.join(dir, ORIGINALITY_FILE);
  if (!existsSync(file)) {
    return { index: null, note: `the model ${model} has no originality index (build it: rhythmix model index-originality ${model})` };
  }
  const info = await stat(file);
  const key = `${file}|${info.size}|${info.mtimeMs}`;
  if (cached?.key === key) return cached.loaded;
  let loaded: LoadedOriginality;
  try {
    const parsed = parseOriginalityIndex(await readFile(file), file);
    loaded =
      parsed.version === ORIGINALITY_VERSION && parsed.index.data.ngram === NGRAM
        ? { index: parsed.index, provenance: parsed.provenance }
        : { index: null, note: `the originality index of ${model} is out of date (rebuild it: rhythmix model index-originality ${model})` };
  } catch (error) {
    loaded = { index: null, note: `the originality index of ${model} cannot be read: ${errorMessage(error)}` };
  }
  cached = { key, loaded };
  return loaded;
}

/**
 * Gives a fine-tuned model its parent's index (a retrain learns from the parent's training data and
 * the model's own rated pieces, so the parent's training pieces are the ones to compare with).
 * Returns whether there was one to copy.
 */
export async function copyOriginalityIndex(fromDir: string, toDir: string): Promise<boolean> {
  const source = path.join(fromDir, ORIGINALITY_FILE);
  if (!existsSync(source)) return false;
  await copyFile(source, path.join(toDir, ORIGINALITY_FILE));
  return true;
}
