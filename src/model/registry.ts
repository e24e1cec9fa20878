/**
 * The model registry on disk: every version is a model folder under models/ (model files plus
 * card.json), and `models/current.json` names the one that serves. The pointer is replaced
 * atomically (write a temporary file, flush it, rename over the old one), so a crash or
 * `kill -9` at any moment leaves either the old or the new pointer — never a torn one.
 * New versions are trained in `models/.staging/<name>/` and renamed into place only when
 * complete, so a half-trained model never appears in the listing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../util/errors.js';
import { MODEL_FILES, type ModelCard, modelsDirectory } from './model-files.js';
import { quoteInput } from '../util/text.js';

export const CURRENT_POINTER_FILE = 'current.json';
export const STAGING_DIR = '.staging';

/** Outcome of the feedback loop's guardrail, kept in the card. */
export type VersionStatus = 'accepted' | 'rejected';

export interface CurrentPointer {
  model: string;
  /** The version it replaced (what a rollback goes back to). */
  previous: string | null;
  updatedAt: string;
}

export interface RegistryEntry {
  name: string;
  dir: string;
  card: ModelCard | null;
  /** `accepted`/`rejected` for feedback-loop versions; `base` for models trained otherwise. */
  status: VersionStatus | 'base';
  reason: string | null;
  parent: string | null;
  current: boolean;
  createdAt: string | null;
  validationNll: number | null;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function isVersionName(name: string): boolean {
  return NAME.test(name) && name !== CURRENT_POINTER_FILE && name.length <= 120;
}

function root(modelsDir?: string): string {
  return modelsDir ?? modelsDirectory();
}

/** Writes `data` to `file` so that readers see the old or the new content, never a mix. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
}

/** The pointer, or null when none was written yet (or it is unreadable). Synchronous: compose resolves it at job start. */
export function readCurrentPointer(modelsDir?: string): CurrentPointer | null {
  const file = path.join(root(modelsDir), CURRENT_POINTER_FILE);
  if (!existsSync(file)) return null;
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<CurrentPointer>;
    return typeof value.model === 'string' && isVersionName(value.model)
      ? { model: value.model, previous: typeof value.previous === 'string' ? value.previous : null, updatedAt: String(value.updatedAt ?? '') }
      : null;
  } catch {
    return null;
  }
}

/** The current model's name when the pointer names a complete model folder, else null. */
export function currentModelName(modelsDir?: string): string | null {
  const pointer = readCurrentPointer(modelsDir);
  if (!pointer) return null;
  return existsSync(path.join(root(modelsDir), pointer.model, MODEL_FILES.topology)) ? pointer.model : null;
}

export async function readCard(dir: string): Promise<ModelCard | null> {
  try {
    return JSON.parse(await readFile(path.join(dir, MODEL_FILES.card), 'utf8')) as ModelCard;
  } catch {
    return null;
  }
}

/** Merges `patch` into a model folder's card.json (atomically). */
export async function updateCard(dir: string, patch: Record<string, unknown>): Promise<ModelCard> {
  const card = await readCard(dir);
  if (!card) throw new InvalidInputError(`${dir} has no ${MODEL_FILES.card}`);
  const next = { ...card, ...patch };
  await writeFileAtomic(path.join(dir, MODEL_FILES.card), `${JSON.stringify(next, null, 2)}\n`);
  return next;
}

function entryStatus(card: ModelCard | null): VersionStatus | 'base' {
  const status = card?.status;
  return status === 'accepted' || status === 'rejected' ? status : 'base';
}

/** A version's listing from its card, wherever its files are (a models folder, a cluster's model store). */
export function registryEntry<D extends string | null>(
  name: string,
  dir: D,
  card: ModelCard | null,
  current: boolean,
): Omit<RegistryEntry, 'dir'> & { dir: D } {
  return {
    name,
    dir,
    card,
    status: entryStatus(card),
    reason: typeof card?.reason === 'string' ? card.reason : null,
    parent: card?.parent ?? null,
    current,
    createdAt: card?.createdAt ?? null,
    validationNll: typeof card?.validationNll === 'number' ? card.validationNll : null,
  };
}

/** Oldest first (by the card's creation time, then name). */
export function byCreation<E extends { name: string; createdAt: string | null }>(entries: E[]): E[] {
  return entries.sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || a.name.localeCompare(b.name));
}

/** Every complete model folder under models/, oldest first. */
export async function listModels(modelsDir?: string): Promise<RegistryEntry[]> {
  const dir = root(modelsDir);
  if (!existsSync(dir)) return [];
  const current = currentModelName(modelsDir);
  const names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory() && isVersionName(d.name)).map((d) => d.name);
  const entries: RegistryEntry[] = [];
  for (const name of names) {
    const modelDir = path.join(dir, name);
    if (!existsSync(path.join(modelDir, MODEL_FILES.topology))) continue;
    entries.push(registryEntry(name, modelDir, await readCard(modelDir), name === current));
  }
  return byCreation(entries);
}

/** Whether `dir` holds a model that can be switched to: its topology and its weights. */
export function hasModelFiles(dir: string): boolean {
  return existsSync(path.join(dir, MODEL_FILES.topology)) && existsSync(path.join(dir, MODEL_FILES.weights));
}

/** Refuses to serve a version the guardrail rejected, unless `force`. */
export function checkNotRejected(name: string, card: ModelCard | null, force = false): void {
  if (entryStatus(card) === 'rejected' && !force) {
    throw new InvalidInputError(
      `model version "${name}" was rejected${typeof card?.reason === 'string' ? ` (${card.reason})` : ''}; add {force} to use it anyway`,
    );
  }
}

/**
 * Makes `name` the current model. Refuses an unknown or incomplete folder, and a version the
 * guardrail rejected unless `force`. Returns the new pointer.
 */
export async function setCurrentModel(name: string, options: { modelsDir?: string; force?: boolean } = {}): Promise<CurrentPointer> {
  if (!isVersionName(name)) throw new InvalidInputError(`${quoteInput(name)} is not a model version name`);
  const dir = path.join(root(options.modelsDir), name);
  if (!hasModelFiles(dir)) {
    throw new InvalidInputError(`no model version "${name}" in ${root(options.modelsDir)} (see \`rhythmix model list\`)`);
  }
  checkNotRejected(name, await readCard(dir), options.force);
  const before = readCurrentPointer(options.modelsDir);
  const pointer: CurrentPointer = {
    model: name,
    previous: before && before.model !== name ? before.model : (before?.previous ?? null),
    updatedAt: new Date().toISOString(),
  };
  await mkdir(root(options.modelsDir), { recursive: true });
  await writeFileAtomic(path.join(root(options.modelsDir), CURRENT_POINTER_FILE), `${JSON.stringify(pointer, null, 2)}\n`);
  return pointer;
}

/** A fresh folder in models/.staging/ to train a candidate into (cleared if left over). */
export async function stagingDir(name: string, modelsDir?: string): Promise<string> {
  if (!isVersionName(name)) throw new InvalidInputError(`${quoteInput(name)} is not a model version name`);
  const dir = path.join(root(modelsDir), STAGING_DIR, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Moves a finished staging folder to models/<name>/ (one rename) and drops its checkpoint. */
export async function publishStaged(staged: string, name: string, modelsDir?: string): Promise<string> {
  const target = path.join(root(modelsDir), name);
  if (existsSync(target)) throw new InvalidInputError(`model version "${name}" already exists`);
  await rm(path.join(staged, 'checkpoint'), { recursive: true, force: true });
  await rename(staged, target);
  return target;
}

/** Removes staging folders left by interrupted runs (a killed retrain). */
export async function clearStaging(modelsDir?: string): Promise<void> {
  await rm(path.join(root(modelsDir), STAGING_DIR), { recursive: true, force: true });
}

/** A version name not yet taken: `<base>-ft<yyyymmddhhmmss>` (guild variants add the guild). */
export function newVersionName(base: string, at: Date = new Date(), modelsDir?: string): string {
  const stem = base.replace(/-ft\d{14}(-\d+)?$/, '');
  const stamp = at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  let name = `${stem}-ft${stamp}`;
  for (let i = 2; existsSync(path.join(root(modelsDir), name)); i++) name = `${stem}-ft${stamp}-${i}`;
  return name;
}

/** The lineage of a version: itself, its parent, …, up to a model without a parent in the registry. */
export async function lineage(name: string, modelsDir?: string): Promise<string[]> {
  const chain: string[] = [];
  let next: string | null = name;
  while (next && !chain.includes(next) && isVersionName(next) && existsSync(path.join(root(modelsDir), next, MODEL_FILES.topology))) {
    chain.push(next);
    const card = await readCard(path.join(root(modelsDir), next));
    next = card?.parent ?? null;
  }
  return chain;
}
