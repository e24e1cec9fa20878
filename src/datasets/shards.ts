/**
 * Token shards: the training-ready form of a data set (format in docs/shards.md).
 *
 *   DIR/manifest.json       { format: 'rhythmix-shards', version: 1, vocabulary, stepsPerQuarter,
 *                             styles, splits: { train: { files, pieces, tokens }, valid: …, test?: … } }
 *   DIR/train-00000.jsonl   one piece per line: { "id": string, "style": string, "tokens": number[] }
 *
 * The manifest is written last, so a folder with a manifest is complete; readers check every
 * line against the saved vocabulary.
 */
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { Vocabulary, type VocabularyJSON } from '../music/vocabulary.js';
import { InvalidInputError, MissingDependencyError, errorMessage } from '../util/errors.js';
import { SPLITS, type Split } from './dataset.js';

export const SHARD_FORMAT = 'rhythmix-shards';
export const SHARD_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
/** A shard file holds pieces until it reaches about this many tokens. */
export const DEFAULT_TOKENS_PER_SHARD = 1_000_000;

export interface SplitSummary {
  readonly files: readonly string[];
  readonly pieces: number;
  readonly tokens: number;
}

export interface ShardManifest {
  readonly format: typeof SHARD_FORMAT;
  readonly version: typeof SHARD_VERSION;
  readonly vocabulary: VocabularyJSON;
  readonly stepsPerQuarter: number;
  readonly styles: readonly string[];
  readonly splits: { readonly train: SplitSummary; readonly valid: SplitSummary; readonly test?: SplitSummary };
  /** The data-set specs the shards were built from (informational). */
  readonly sources?: readonly string[];
  readonly created?: string;
}

export interface ShardRecord {
  readonly id: string;
  readonly style: string;
  readonly split: Split;
  readonly tokens: ArrayLike<number>;
}

export interface LoadedPiece {
  readonly id: string;
  readonly style: string;
  readonly tokens: Int32Array;
}

export interface WriteShardsOptions {
  readonly vocabulary: Vocabulary;
  readonly stepsPerQuarter: number;
  readonly records: Iterable<ShardRecord>;
  readonly sources?: readonly string[];
  readonly tokensPerShard?: number;
}

const splitSummarySchema = z.object({
  files: z.array(z.string().regex(/^[\w.-]+\.jsonl$/, 'a shard file name')),
  pieces: z.number().int().nonnegative(),
  tokens: z.number().int().nonnegative(),
});

const manifestSchema = z.object({
  format: z.literal(SHARD_FORMAT),
  version: z.literal(SHARD_VERSION),
  vocabulary: z.unknown(),
  stepsPerQuarter: z.number().int().positive(),
  styles: z.array(z.string()),
  splits: z.object({ train: splitSummarySchema, valid: splitSummarySchema, test: splitSummarySchema.optional() }),
  sources: z.array(z.string()).optional(),
  created: z.string().optional(),
});

const lineSchema = z.object({ id: z.string(), style: z.string(), tokens: z.array(z.number().int()) });

async function isShardFolder(dir: string): Promise<boolean> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as { format?: unknown };
    return manifest.format === SHARD_FORMAT;
  } catch {
    return false;
  }
}

/**
 * Prepare `dir` for new shards: create it, or clear it when it holds earlier shards. Refuses a
 * folder with other content, so a typo in --out cannot wipe unrelated files.
 */
async function prepareOutput(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    await mkdir(dir, { recursive: true });
    return;
  }
  if (names.length === 0) return;
  if (!(await isShardFolder(dir))) {
    throw new InvalidInputError(`output folder ${dir} is not empty and holds no Rhythmix shards; choose another {out}`, { field: 'out' });
  }
  await rm(join(dir, MANIFEST_FILE));
  for (const name of names) {
    if (name.endsWith('.jsonl')) await rm(join(dir, name));
  }
}

/** Write records as JSONL shards plus a manifest; returns the manifest. */
export async function writeShards(dir: string, options: WriteShardsOptions): Promise<ShardManifest> {
  const tokensPerShard = options.tokensPerShard ?? DEFAULT_TOKENS_PER_SHARD;
  await prepareOutput(dir);

  const bySplit = new Map<Split, ShardRecord[]>(SPLITS.map((split) => [split, []]));
  const styles = new Set<string>();
  const ids = new Set<string>();
  for (const record of options.records) {
    if (ids.has(record.id)) throw new InvalidInputError(`piece id "${record.id}" occurs twice`);
    ids.add(record.id);
    styles.add(record.style);
    bySplit.get(record.split)!.push(record);
  }

  const summaries = new Map<Split, SplitSummary>();
  for (const split of SPLITS) {
    const records = bySplit.get(split)!;
    const files: string[] = [];
    let lines: string[] = [];
    let shardTokens = 0;
    let tokens = 0;
    const flush = async (): Promise<void> => {
      const name = `${split}-${String(files.length).padStart(5, '0')}.jsonl`;
      await writeFile(join(dir, name), lines.join(''));
      files.push(name);
      lines = [];
      shardTokens = 0;
    };
    for (const record of records) {
      lines.push(`${JSON.stringify({ id: record.id, style: record.style, tokens: Array.from(record.tokens) })}\n`);
      shardTokens += record.tokens.length;
      tokens += record.tokens.length;
      if (shardTokens >= tokensPerShard) await flush();
    }
    if (lines.length > 0) await flush();
    summaries.set(split, { files, pieces: records.length, tokens });
  }

  const test = summaries.get('test')!;
  const manifest: ShardManifest = {
    format: SHARD_FORMAT,
    version: SHARD_VERSION,
    vocabulary: options.vocabulary.toJSON(),
    stepsPerQuarter: options.stepsPerQuarter,
    styles: [...styles].sort(),
    splits: { train: summaries.get('train')!, valid: summaries.get('valid')!, ...(test.pieces > 0 ? { test } : {}) },
    ...(options.sources === undefined ? {} : { sources: [...options.sources] }),
    created: new Date().toISOString(),
  };
  // Written last and atomically: a folder with a manifest is a complete set of shards.
  const temporary = join(dir, `${MANIFEST_FILE}.tmp`);
  await writeFile(temporary, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(temporary, join(dir, MANIFEST_FILE));
  return manifest;
}

export interface ShardSet {
  readonly manifest: ShardManifest;
  readonly vocabulary: Vocabulary;
  /** Every piece of a split, in file order; an absent split loads as empty. */
  load(split: Split): Promise<LoadedPiece[]>;
}

/** Open a shard folder; throws MissingDependencyError when absent, InvalidInputError when malformed. */
export async function readShards(dir: string): Promise<ShardSet> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch {
    throw new MissingDependencyError(`no token shards in ${dir} (run \`rhythmix dataset build … --out ${dir}\`)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`${join(dir, MANIFEST_FILE)}: not valid JSON (${errorMessage(error)})`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidInputError(
      `${join(dir, MANIFEST_FILE)}: not a Rhythmix shard manifest` + (issue === undefined ? '' : ` (${issue.path.join('.') || 'root'}: ${issue.message})`),
    );
  }
  const vocabulary = Vocabulary.fromJSON(parsed.data.vocabulary);
  const manifest = { ...parsed.data, vocabulary: vocabulary.toJSON() } as ShardManifest;

  const load = async (split: Split): Promise<LoadedPiece[]> => {
    const summary = manifest.splits[split];
    if (summary === undefined) return [];
    const pieces: LoadedPiece[] = [];
    for (const file of summary.files) await readShardFile(join(dir, file), vocabulary, pieces);
    return pieces;
  };
  return { manifest, vocabulary, load };
}

async function readShardFile(path: string, vocabulary: Vocabulary, into: LoadedPiece[]): Promise<void> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber += 1;
      if (line.trim() === '') continue;
      const bad = (why: string): never => {
        throw new InvalidInputError(`${path}:${lineNumber}: ${why}`);
      };
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        bad('not valid JSON');
      }
      const record = lineSchema.safeParse(value);
      if (!record.success) bad('expected {"id", "style", "tokens": [integers]}');
      const { id, style, tokens } = record.data!;
      const outside = tokens.find((token) => token < 0 || token >= vocabulary.size);
      if (outside !== undefined) bad(`token ${outside} is outside the vocabulary (0..${vocabulary.size - 1})`);
      into.push({ id, style, tokens: Int32Array.from(tokens) });
    }
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    throw new MissingDependencyError(`cannot read shard ${path}: ${errorMessage(error)}`);
  }
}
