import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_VOCABULARY } from '../../src/music/vocabulary.js';
import { readShards, writeShards, type ShardRecord } from '../../src/datasets/shards.js';
import { InvalidInputError, MissingDependencyError } from '../../src/util/errors.js';

const base = mkdtempSync(join(tmpdir(), 'rhythmix-shards-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const records: ShardRecord[] = [
  { id: 'a', style: 'folk', split: 'train', tokens: [1, 3, 2] },
  { id: 'b', style: 'game', split: 'train', tokens: Int32Array.from([1, 5, 6, 7, 2]) },
  { id: 'c', style: 'folk', split: 'valid', tokens: [1, 4, 2] },
  { id: 'd', style: 'classical', split: 'test', tokens: [1, 3, 9, 2] },
];

describe('token shards', () => {
  it('write → read gives the same pieces, split by split, with the manifest summing up', async () => {
    const dir = join(base, 'one');
    const manifest = await writeShards(dir, { vocabulary: DEFAULT_VOCABULARY, stepsPerQuarter: 4, records, tokensPerShard: 4 });
    expect(manifest.format).toBe('rhythmix-shards');
    expect(manifest.styles).toEqual(['classical', 'folk', 'game']);
    expect(manifest.splits.train).toEqual({ files: ['train-00000.jsonl'], pieces: 2, tokens: 8 });
    expect(manifest.splits.test?.pieces).toBe(1);

    const shards = await readShards(dir);
    expect(shards.vocabulary.equals(DEFAULT_VOCABULARY)).toBe(true);
    expect(shards.manifest.stepsPerQuarter).toBe(4);
    const train = await shards.load('train');
    expect(train.map((p) => p.id)).toEqual(['a', 'b']);
    expect(train[1]!.tokens).toEqual(Int32Array.from([1, 5, 6, 7, 2]));
    expect(train[1]!.style).toBe('game');
    expect((await shards.load('valid')).map((p) => p.id)).toEqual(['c']);
    expect((await shards.load('test')).map((p) => p.id)).toEqual(['d']);
  });

  it('starts a new shard file once a shard reaches the token budget', async () => {
    const dir = join(base, 'many');
    const many = Array.from({ length: 10 }, (_, i): ShardRecord => ({ id: `p${i}`, style: 'folk', split: 'train', tokens: [1, 3, 3, 2] }));
    const manifest = await writeShards(dir, { vocabulary: DEFAULT_VOCABULARY, stepsPerQuarter: 4, records: many, tokensPerShard: 8 });
    expect(manifest.splits.train.files).toHaveLength(5);
    expect((await (await readShards(dir)).load('train')).map((p) => p.id)).toEqual(many.map((r) => r.id));
  });

  it('replaces earlier shards but refuses a folder with other files', async () => {
    const dir = join(base, 'one');
    await writeShards(dir, { vocabulary: DEFAULT_VOCABULARY, stepsPerQuarter: 4, records: records.slice(0, 1) });
    expect(readdirSync(dir).sort()).toEqual(['manifest.json', 'train-00000.jsonl']);
    writeFileSync(join(base, 'notes.txt'), 'mine');
    await expect(writeShards(base, { vocabulary: DEFAULT_VOCABULARY, stepsPerQuarter: 4, records })).rejects.toThrow(
      /is not empty and holds no Rhythmix shards/,
    );
    await expect(writeShards(join(base, 'dup'), { vocabulary: DEFAULT_VOCABULARY, stepsPerQuarter: 4, records: [records[0]!, records[0]!] })).rejects.toThrow(
      /occurs twice/,
    );
  });

  it('reports missing, malformed and out-of-vocabulary shards', async () => {
    await expect(readShards(join(base, 'absent'))).rejects.toThrow(MissingDependencyError);
    const dir = join(base, 'bad');
    await writeShards(dir, { vocabulary: DEFAULT_VOCABULARY, stepsPerQuarter: 4, records });
    appendFileSync(join(dir, 'valid-00000.jsonl'), `${JSON.stringify({ id: 'x', style: 'folk', tokens: [1, 99999] })}\n`);
    const shards = await readShards(dir);
    await expect(shards.load('valid')).rejects.toThrow(/valid-00000\.jsonl:2: token 99999 is outside the vocabulary/);
    appendFileSync(join(dir, 'train-00000.jsonl'), '{oops\n');
    await expect(shards.load('train')).rejects.toThrow(/train-00000\.jsonl:3: not valid JSON/);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, version: 2 }));
    await expect(readShards(dir)).rejects.toThrow(InvalidInputError);
  });
});
