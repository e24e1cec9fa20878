/**
 * The database's ModelVersion table, derived from the on-disk registry. The model folders'
 * cards and models/current.json are the truth (compose jobs load from them, and the pointer
 * switch is the atomic, kill -9-safe step); the table is a listing with history ("which
 * version served when"), rebuilt from the disk by `syncModelVersions` at start-up and after
 * every publish or switch. Nothing writes a version's status to the table any other way, so a
 * crash between the disk write and the sync is repaired by the next sync.
 */
import path from 'node:path';
import { encodeJsonObject, type JsonObject } from '../db/encoding.js';
import type { ModelStatus, PrismaClient } from '../db/index.js';
import { MODEL_FILES, modelsDirectory } from '../model/model-files.js';
import { currentModelName, listModels, readCurrentPointer, type RegistryEntry } from '../model/registry.js';

/** The status each registry entry has in the table, from its card and the pointer. */
export function derivedStatuses(entries: readonly RegistryEntry[], current: string | null): Map<string, Exclude<ModelStatus, 'retired'>> {
  const statuses = new Map<string, Exclude<ModelStatus, 'retired'>>();
  // A guild's newest accepted variant serves it (retrains never move the global pointer for a guild).
  const guildActive = new Map<string, string>();
  for (const entry of entries) {
    const guildId = guildOf(entry);
    if (guildId && entry.status === 'accepted') guildActive.set(guildId, entry.name);
  }
  const active = new Set([...guildActive.values(), ...(current ? [current] : [])]);
  for (const entry of entries) {
    statuses.set(entry.name, active.has(entry.name) ? 'active' : entry.status === 'rejected' ? 'rejected' : 'candidate');
  }
  return statuses;
}

function guildOf(entry: RegistryEntry): string | null {
  return typeof entry.card?.guildId === 'string' ? entry.card.guildId : null;
}

/**
 * Upserts one row per model folder under `modelsDir` from its card and the pointer. A row that
 * was active and no longer is becomes `retired` (keeping its activatedAt); rows of folders that
 * are gone stay as history but are never active. Idempotent.
 */
export async function syncModelVersions(prisma: PrismaClient, modelsDir?: string, options: { at?: Date } = {}): Promise<void> {
  const dir = modelsDir ?? modelsDirectory();
  const entries = await listModels(dir);
  const current = currentModelName(dir);
  const pointer = readCurrentPointer(dir);
  const statuses = derivedStatuses(entries, current);
  const at = options.at ?? new Date();
  await prisma.$transaction(async (tx) => {
    const existing = new Map((await tx.modelVersion.findMany()).map((row) => [row.name, row]));
    for (const entry of entries) {
      const guildId = guildOf(entry);
      if (guildId) await tx.guild.upsert({ where: { id: guildId }, create: { id: guildId }, update: {} });
      const before = existing.get(entry.name);
      const derived = statuses.get(entry.name) ?? 'candidate';
      const status: ModelStatus = derived === 'active' || derived === 'rejected' || !before?.activatedAt ? derived : 'retired';
      const activatedAt =
        derived !== 'active'
          ? (before?.activatedAt ?? null)
          : before?.status === 'active' && before.activatedAt
            ? before.activatedAt
            : entry.name === current && pointer
              ? pointerTime(pointer.updatedAt, at)
              : at;
      const metrics = (entry.card?.metrics && typeof entry.card.metrics === 'object' ? entry.card.metrics : {}) as JsonObject;
      const data = { guildId, status, reason: entry.reason, metrics: encodeJsonObject(metrics), cardPath: path.join(entry.dir, MODEL_FILES.card), activatedAt };
      await tx.modelVersion.upsert({
        where: { name: entry.name },
        create: {
          name: entry.name,
          ...data,
          ...(entry.createdAt && !Number.isNaN(Date.parse(entry.createdAt)) ? { createdAt: new Date(entry.createdAt) } : {}),
        },
        update: data,
      });
    }
    // Parents second, so a parent listed after its child still links; a parent outside the
    // registry folder (`--model ./somewhere`) gets a bare row, as the lineage names it.
    for (const entry of entries) {
      if (!entry.parent) continue;
      const known = statuses.has(entry.parent) || existing.has(entry.parent);
      if (!known) await tx.modelVersion.upsert({ where: { name: entry.parent }, create: { name: entry.parent }, update: {} });
      await tx.modelVersion.update({ where: { name: entry.name }, data: { parentName: entry.parent } });
    }
    const gone = [...existing.values()].filter((row) => row.status === 'active' && !statuses.has(row.name)).map((row) => row.id);
    if (gone.length > 0) await tx.modelVersion.updateMany({ where: { id: { in: gone } }, data: { status: 'retired' } });
  });
}

function pointerTime(updatedAt: string, fallback: Date): Date {
  const time = Date.parse(updatedAt);
  return Number.isNaN(time) ? fallback : new Date(time);
}
