/** The registry as a table (for `rhythmix model list` and `/model`). */
import { defaultModel } from '../compose/lstm-composer.js';
import { listModels, type RegistryEntry } from '../model/registry.js';
import type { LikedShare } from './liked-share.js';

export interface ModelListRow {
  name: string;
  status: RegistryEntry['status'];
  current: boolean;
  parent: string | null;
  validationNll: number | null;
  ratingsUsed: number | null;
  createdAt: string | null;
  reason: string | null;
  /** Held-out NLL of its parent on the same data, when the retrain measured it. */
  parentNll: number | null;
  /** Its rated pieces and how many were liked (null: none rated, or shares not read). */
  liked: LikedShare | null;
}

/**
 * The registry as rows; without a pointer the bundled default is the current one. `likedShares`
 * (by composing version, from the database) fills each row's `liked`.
 */
export async function modelRows(modelsDir?: string, likedShares?: ReadonlyMap<string, LikedShare>): Promise<ModelListRow[]> {
  const entries = await listModels(modelsDir);
  const fallback = entries.some((e) => e.current) ? null : defaultModel();
  return rowsFromEntries(
    entries.map((e) => ({ ...e, current: e.current || e.name === fallback })),
    likedShares,
  );
}

/** Rows of versions listed anywhere (a models folder, a cluster's model store), in their order. */
export function rowsFromEntries(entries: readonly Omit<RegistryEntry, 'dir'>[], likedShares?: ReadonlyMap<string, LikedShare>): ModelListRow[] {
  return entries.map((e) => {
    const metrics = e.card?.metrics as { validationNll?: unknown; parentNll?: unknown } | undefined;
    const nll = typeof metrics?.validationNll === 'number' ? metrics.validationNll : e.validationNll;
    return {
      name: e.name,
      status: e.status,
      current: e.current,
      parent: e.parent,
      validationNll: nll,
      ratingsUsed: typeof e.card?.ratingsUsed === 'number' ? e.card.ratingsUsed : null,
      createdAt: e.createdAt,
      reason: e.reason,
      parentNll: typeof metrics?.parentNll === 'number' ? metrics.parentNll : null,
      liked: likedShares?.get(e.name) ?? null,
    };
  });
}
