/**
 * A job's answer on Redis, so it reaches the bot without a shared disk: one hash per job id with
 * `meta` (JSON: the value, or the serialized error) and one field per file (bytes). It is written
 * once — a second write for the same id (a retried job whose first worker was only slow) is
 * dropped, so the bot reads one answer whatever happens — and kept an hour unless read.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { deserializeError, serializeError, type SerializedError } from '../jobs/envelope.js';
import { RhythmixError } from '../util/errors.js';
import { CHANNELS, KEYS } from './redis.js';

/** Most bytes one answer may carry (a 5-minute piece's Ogg, MIDI and PNG are a few MB). */
export const MAX_RESULT_BYTES = 32 * 1024 * 1024;
const RESULT_TTL_SECONDS = 3600;

export type StoredAnswer<T> =
  { readonly ok: true; readonly value: T; readonly files: ReadonlyMap<string, Buffer> } | { readonly ok: false; readonly error: Error };

type Meta = { ok: true; value: unknown } | { ok: false; error: SerializedError };

const STORE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3 + 1])
return 1
`;

async function write(redis: Redis, id: string, meta: Meta, files: ReadonlyMap<string, Buffer>): Promise<boolean> {
  const fields: Array<string | Buffer> = ['id', id, 'meta', JSON.stringify(meta)];
  for (const [name, bytes] of files) fields.push(`file:${name}`, bytes);
  return (await redis.eval(STORE, 1, KEYS.result(id), RESULT_TTL_SECONDS, CHANNELS.done, ...fields)) === 1;
}

/** Stores a job's value and the files of `dir` (flat); false when the job already had an answer. */
export async function storeResult(redis: Redis, id: string, value: unknown, dir?: string): Promise<boolean> {
  const files = new Map<string, Buffer>();
  let total = 0;
  if (dir) {
    for (const name of await readdir(dir)) {
      const file = path.join(dir, name);
      if (!(await stat(file)).isFile()) continue;
      total += (await stat(file)).size;
      if (total > MAX_RESULT_BYTES) throw new RhythmixError(`the job's files exceed ${MAX_RESULT_BYTES / 1024 / 1024} MB — ask for a shorter piece`);
      files.set(name, await readFile(file));
    }
  }
  return write(redis, id, { ok: true, value }, files);
}

export function storeFailure(redis: Redis, id: string, error: unknown): Promise<boolean> {
  return write(redis, id, { ok: false, error: serializeError(error) }, new Map());
}

/** The job's answer, or undefined while there is none; `take` deletes it once read. */
export async function readResult<T>(redis: Redis, id: string, options: { take?: boolean } = {}): Promise<StoredAnswer<T> | undefined> {
  const raw = await redis.hgetallBuffer(KEYS.result(id));
  const metaBytes = raw.meta;
  if (!metaBytes) return undefined;
  if (options.take) await redis.del(KEYS.result(id));
  const meta = JSON.parse(metaBytes.toString('utf8')) as Meta;
  if (!meta.ok) return { ok: false, error: deserializeError(meta.error) };
  const files = new Map<string, Buffer>();
  for (const [field, bytes] of Object.entries(raw)) if (field.startsWith('file:')) files.set(field.slice('file:'.length), bytes);
  return { ok: true, value: meta.value as T, files };
}
