/** The registry as a table (for `rhythmix model list` and `/model`). */
import { defaultModel } from '../compose/lstm-composer.js';
import { listModels, type RegistryEntry } from '../model/registry.js';

export interface ModelListRow {
  name: string;
  status: RegistryEntry['status'];
  current: boolean;
  parent: string | null;
  validationNll: number | null;
  ratingsUsed: number | null;
  createdAt: string | null;
  reason: string | null;
}

/** The registry as rows; without a pointer the bundled default is the current one. */
export async function modelRows(modelsDir?: string): Promise<ModelListRow[]> {
  const entries = await listModels(modelsDir);
  const fallback = entries.some((e) => e.current) ? null : defaultModel();
  return entries.map((e) => {
    const metrics = e.card?.metrics as { validationNll?: unknown } | undefined;
    const nll = typeof metrics?.validationNll === 'number' ? metrics.validationNll : e.validationNll;
    return {
      name: e.name,
      status: e.status,
      current: e.current || e.name === fallback,
      parent: e.parent,
      validationNll: nll,
      ratingsUsed: typeof e.card?.ratingsUsed === 'number' ? e.card.ratingsUsed : null,
      createdAt: e.createdAt,
      reason: e.reason,
    };
  });
}
