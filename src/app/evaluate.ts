/**
 * The evaluate use case (`rhythmix eval`): a model's negative log-likelihood on a data set — per
 * quarter-note frame and per token, in nats — read the way the model was trained to read it.
 */
import { z } from 'zod';
import { SPLITS } from '../datasets/dataset.js';
import { openDataset } from '../datasets/spec.js';
import { loadModel } from '../model/model-files.js';
import { STYLES } from '../music/styles.js';
import { datasetSpecForModel, evaluateModelOnDataset, type EvaluationResult } from '../train/evaluate-dataset.js';
import { parseInput } from '../util/parse-input.js';

export const evaluateInputSchema = z
  .object({
    /** Model name (models/<name>/) or folder. */
    model: z.string().min(1),
    /** jsb, jsb-frames, jsb16, nottingham, game, or a folder of MIDI files. */
    data: z.string().min(1),
    /** Split where the data set has them; left out: all pieces. */
    split: z.enum(SPLITS).optional(),
    /** Style of a MIDI folder (when its path does not tell). */
    style: z.preprocess((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v), z.enum(STYLES)).optional(),
  })
  .strict();
export type EvaluateInput = z.input<typeof evaluateInputSchema>;

export type EvaluationSummary = { model: string; data: string; split: (typeof SPLITS)[number] | null } & EvaluationResult;

export async function evaluate(input: unknown): Promise<EvaluationSummary> {
  const options = parseInput(evaluateInputSchema, input, 'evaluation options');
  const model = await loadModel(options.model);
  const dataset = await openDataset(datasetSpecForModel(options.data, model), options.style ? { style: options.style } : {});
  const result = await evaluateModelOnDataset(model, dataset, options.split);
  return { model: model.dir, data: dataset.name, split: options.split ?? null, ...result };
}
