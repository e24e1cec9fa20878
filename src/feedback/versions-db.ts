/**
 * Mirrors the on-disk registry into the database's model_versions table (the registry folder
 * and models/current.json stay the source of truth for serving; the table answers "which
 * version served when, and why was that one rejected").
 */
import path from 'node:path';
import { activateModelVersion, ensureModelVersion, getModelVersion, type PrismaClient } from '../db/index.js';
import type { JsonObject } from '../db/encoding.js';
import { modelsDirectory } from '../model/model-files.js';
import { lineage, readCard } from '../model/registry.js';

/** Registers `name` and its ancestors (oldest first) unless they already are. */
export async function ensureRegistered(prisma: PrismaClient, name: string, modelsDir?: string): Promise<void> {
  const found = (await lineage(name, modelsDir)).reverse();
  // A model outside the registry folder (`--model ./somewhere`) is registered on its own.
  const chain = found.length > 0 ? found : [name];
  let parent: string | null = null;
  for (const version of chain) {
    if (!(await getModelVersion(prisma, version))) {
      const dir = path.join(modelsDir ?? modelsDirectory(), version);
      const card = await readCard(dir);
      const status = card?.status === 'rejected' ? 'rejected' : 'candidate';
      const metrics = (card?.metrics && typeof card.metrics === 'object' ? card.metrics : {}) as JsonObject;
      await ensureModelVersion(prisma, {
        name: version,
        parentName: parent,
        status,
        reason: typeof card?.reason === 'string' ? card.reason : null,
        metrics,
        cardPath: path.join(dir, 'card.json'),
        ...(typeof card?.guildId === 'string' ? { guildId: card.guildId } : {}),
      });
    }
    parent = version;
  }
}

/** Records `name` as the active version of its scope (after the pointer was switched). */
export async function recordActive(prisma: PrismaClient, name: string, options: { modelsDir?: string; reason?: string; force?: boolean } = {}): Promise<void> {
  await ensureRegistered(prisma, name, options.modelsDir);
  await activateModelVersion(prisma, name, { ...(options.reason ? { reason: options.reason } : {}), ...(options.force ? { force: true } : {}) });
}
