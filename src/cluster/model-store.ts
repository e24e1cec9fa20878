/**
 * The model registry's store on Redis: each model version is a manifest (file name → SHA-256 of
 * its content) and its files are blobs keyed by that hash, so a version that shares files with
 * another stores them once. Workers fetch a version into their own cache folder before a job —
 * no shared folder — and the compose worker reloads when the folder differs from its last job's.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { MODEL_FILES, type ModelCard } from '../model/model-files.js';
import { byCreation, currentModelName, isVersionName, readCard, registryEntry, setCurrentModel, type RegistryEntry } from '../model/registry.js';
import { RhythmixError } from '../util/errors.js';
import { KEYS } from './redis.js';

/** Uploads the files of the model folder `dir` as version `name` (blobs already there are kept). */
export async function publishModel(redis: Redis, name: string, dir: string): Promise<Record<string, string>> {
  const manifest: Record<string, string> = {};
  for (const file of (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isFile())) {
    const bytes = await readFile(path.join(dir, file.name));
    const hash = createHash('sha256').update(bytes).digest('hex');
    await redis.set(KEYS.blob(hash), bytes, 'NX');
    manifest[file.name] = hash;
  }
  if (Object.keys(manifest).length === 0) throw new RhythmixError(`${dir} holds no model files to publish`);
  // The manifest last: a worker never sees a version whose blobs are not all there.
  await redis.multi().del(KEYS.model(name)).hset(KEYS.model(name), manifest).zadd(KEYS.modelVersions, 'NX', Date.now(), name).exec();
  return manifest;
}

/** Makes `name` (published) the active global version: the next job on any worker uses it. */
export async function setStoreCurrent(redis: Redis, name: string): Promise<void> {
  if ((await redis.exists(KEYS.model(name))) === 0) throw new RhythmixError(`model version "${name}" is not in the store — publish it first`);
  await redis.set(KEYS.currentModel, name);
}

export async function storeCurrent(redis: Redis): Promise<string | null> {
  return redis.get(KEYS.currentModel);
}

export async function inStore(redis: Redis, name: string): Promise<boolean> {
  return (await redis.exists(KEYS.model(name))) === 1;
}

/** A stored version's card (null when the version or its card is not in the store, or unreadable). */
export async function storeCard(redis: Redis, name: string): Promise<ModelCard | null> {
  const hash = await redis.hget(KEYS.model(name), MODEL_FILES.card);
  const bytes = hash ? await redis.getBuffer(KEYS.blob(hash)) : null;
  if (!bytes) return null;
  try {
    return JSON.parse(bytes.toString('utf8')) as ModelCard;
  } catch {
    return null;
  }
}

/** Every version in the store with its card, oldest first; `current` marks the active global one. */
export async function storeVersions(redis: Redis): Promise<Array<Omit<RegistryEntry, 'dir'>>> {
  const [names, current] = await Promise.all([redis.zrange(KEYS.modelVersions, 0, -1), storeCurrent(redis)]);
  const present = await Promise.all(names.map((name) => inStore(redis, name)));
  const listed = names.filter((_, index) => present[index]);
  const cards = await Promise.all(listed.map((name) => storeCard(redis, name)));
  return byCreation(listed.map((name, index) => registryEntry(name, null, cards[index] ?? null, name === current)));
}

/**
 * The local folder holding version `name` as the store has it now, fetched into `cacheDir` when
 * new; undefined when the store does not know the version. The folder's own name is the version
 * (what the compose summary reports), inside a folder named after the manifest's hash.
 */
export async function fetchModel(redis: Redis, name: string, cacheDir: string): Promise<string | undefined> {
  const manifest = await redis.hgetall(KEYS.model(name));
  const files = Object.entries(manifest).sort(([a], [b]) => a.localeCompare(b));
  if (files.length === 0) return undefined;
  const digest = createHash('sha256').update(JSON.stringify(files)).digest('hex').slice(0, 16);
  const target = path.join(cacheDir, digest, name);
  if (existsSync(target)) return target;
  const staging = path.join(cacheDir, `.fetch-${digest}-${process.pid}-${Date.now()}`, name);
  await mkdir(staging, { recursive: true });
  try {
    for (const [file, hash] of files) {
      const bytes = await redis.getBuffer(KEYS.blob(hash));
      if (!bytes) throw new RhythmixError(`model version "${name}": the store lacks the content of ${file}`);
      if (createHash('sha256').update(bytes).digest('hex') !== hash) throw new RhythmixError(`model version "${name}": ${file} arrived damaged`);
      await writeFile(path.join(staging, file), bytes);
    }
    await mkdir(path.dirname(target), { recursive: true });
    // A rename is atomic: a folder under its final name is always whole.
    await rename(staging, target).catch((error: unknown) => {
      if (!existsSync(target)) throw error;
    });
    return target;
  } finally {
    await rm(path.dirname(staging), { recursive: true, force: true });
  }
}

/**
 * The version a job uses and the folder it resolves to on this worker: the named version (or, unnamed, the store's
 * current one) fetched from the store; otherwise the name as given (this machine's own registry or
 * RHYTHMIX_MODEL), or undefined for the default.
 */
export async function modelForWorkerJob(redis: Redis, named: string | undefined, cacheDir: string): Promise<{ name: string; dir: string } | undefined> {
  const name = named ?? (await storeCurrent(redis)) ?? undefined;
  if (name === undefined) return undefined;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) return { name, dir: name };
  return { name, dir: (await fetchModel(redis, name, cacheDir)) ?? name };
}

/** Ancestors looked at when copying a lineage between a models folder and the store. */
const LINEAGE_LIMIT = 50;

const hasModel = (dir: string): boolean => existsSync(path.join(dir, MODEL_FILES.topology));

/**
 * Before a retrain on a worker: makes the store's current version the current one of the models
 * folder `modelsDir` (the retraining machine's registry), copying it — and those of its ancestors
 * the folder lacks, for the guardrail's lineage — in from the store. So a retrain fine-tunes the
 * version the cluster serves, whichever machine made it and whatever `/model use` chose. Returns
 * the version, or null when the store names none (the folder's own current one stays).
 */
export async function followStoreCurrent(redis: Redis, modelsDir: string, cacheDir: string): Promise<string | null> {
  const current = await storeCurrent(redis);
  if (!current || !isVersionName(current)) return null;
  let name: string | null = current;
  for (let depth = 0; name && isVersionName(name) && depth < LINEAGE_LIMIT; depth++) {
    const target = path.join(modelsDir, name);
    if (!hasModel(target)) {
      const fetched = await fetchModel(redis, name, cacheDir);
      if (!fetched) break;
      // Copied beside, then renamed: the registry never lists a half-copied version (a dot folder is not a version).
      const temp = path.join(modelsDir, `.from-store-${process.pid}-${Date.now()}`);
      await cp(fetched, temp, { recursive: true });
      await rename(temp, target).catch(async (error: unknown) => {
        await rm(temp, { recursive: true, force: true });
        if (!hasModel(target)) throw error;
      });
    }
    name = (await readCard(target))?.parent ?? null;
  }
  // The store already decided: a version forced into service there is followed here too.
  if (currentModelName(modelsDir) !== current) await setCurrentModel(current, { modelsDir, force: true });
  return current;
}

/**
 * After a retrain on a worker: publishes `name` from the models folder and those of its ancestors
 * the store lacks, so `/model use` can roll back to them from any bot.
 */
export async function publishLineage(redis: Redis, name: string, modelsDir: string): Promise<void> {
  await publishModel(redis, name, path.join(modelsDir, name));
  let parent = (await readCard(path.join(modelsDir, name)))?.parent ?? null;
  for (let depth = 0; parent && isVersionName(parent) && depth < LINEAGE_LIMIT; depth++) {
    const dir = path.join(modelsDir, parent);
    if (!hasModel(dir) || (await inStore(redis, parent))) break;
    await publishModel(redis, parent, dir);
    parent = (await readCard(dir))?.parent ?? null;
  }
}
