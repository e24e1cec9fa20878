/**
 * The train use case (`rhythmix train`): token shards (or a preset's data sets, built on
 * demand) → a stacked recurrent (LSTM or GRU) model folder. Precedence: built-in defaults < preset < config file <
 * input fields. A two-stage preset trains from scratch, then fine-tunes from the best weights.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { buildShards } from '../datasets/build.js';
import { readShards } from '../datasets/shards.js';
import { openDataset } from '../datasets/spec.js';
import { RECURRENT_CELLS } from '../model/cells.js';
import { parseModelConfig, type ModelConfig } from '../model/config.js';
import { loadModel, trainingStages, type LoadedModel } from '../model/model-files.js';
import { widenVocabulary } from '../model/widen-vocabulary.js';
import { TOKEN_LANGUAGE_VERSION, Vocabulary } from '../music/vocabulary.js';
import { PRESETS, presetNames, type TrainingPreset } from '../train/presets.js';
import { trainingSettingsSchema, type TrainingSettings } from '../train/settings.js';
import { trainModel, type EpochReport, type TrainProgress, type TrainResult } from '../train/trainer.js';
import { InvalidInputError } from '../util/errors.js';
import { quoteInput } from '../util/text.js';
import { parseInput } from '../util/parse-input.js';

const LAYERS = 'must be comma-separated layer sizes like 256,256 (each 1 to 4096)';
const layerSize = z.number({ error: LAYERS }).int({ error: LAYERS }).min(1, { error: LAYERS }).max(4096, { error: LAYERS });

/** The model's and the training's settings: the keys of a --config file and of the card's configuration. */
export const trainingConfigSchema = z
  .object({
    preset: z.string().optional(),
    cell: z
      .preprocess(
        (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
        z.enum(RECURRENT_CELLS, { error: `must be one of ${RECURRENT_CELLS.join(', ')}` }),
      )
      .optional(),
    layers: z.array(layerSize).min(1, { error: LAYERS }).optional(),
    embedding: z.number().int().positive().optional(),
    dropout: z.number().min(0).lt(1, { error: 'must be a number in [0, 1)' }).optional(),
    seqLen: z.number().int().positive().optional(),
    batchSize: z.number().int().positive().optional(),
    learningRate: z.number().positive().optional(),
    epochs: z.number().int().positive().optional(),
    threads: z.number().int().min(0).optional(),
    clipNorm: z.number().min(0).optional(),
    seed: z.number().int().optional(),
    earlyStopping: z.number().int().min(0).optional(),
    transpose: z
      .number()
      .int({ error: 'must be a whole number from 0 to 12' })
      .min(0, { error: 'must be a whole number from 0 to 12' })
      .max(12, { error: 'must be a whole number from 0 to 12' })
      .optional(),
    lrDecay: z.number().gt(0, { error: 'must be a number in (0, 1]' }).max(1, { error: 'must be a number in (0, 1]' }).optional(),
    stateful: z.boolean().optional(),
  })
  .strict();
type TrainingConfig = z.infer<typeof trainingConfigSchema>;

export const trainInputSchema = trainingConfigSchema
  .extend({
    /** Token shard folder; default for a preset that names its data: built into data/shards/PRESET. */
    data: z.string().min(1).optional(),
    /** Model folder to write; default for bundled presets: models/PRESET. */
    out: z.string().min(1).optional(),
    /** JSON file with training-config keys (below the input's own fields in precedence). */
    config: z.string().min(1).optional(),
    /** Start from this model's weights and architecture (fine-tuning). */
    init: z.string().min(1).optional(),
    /** Continue from <out>/checkpoint. */
    resume: z.boolean().default(false),
    /** Model name for the card (default: the folder name). */
    name: z.string().min(1).optional(),
  })
  .strict();
export type TrainInput = z.input<typeof trainInputSchema>;

export interface TrainContext {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: TrainProgress) => void;
  readonly onEpoch?: (epoch: EpochReport) => void;
  /** A line about what is happening (building shards, stage 1 of 2, a widened vocabulary). */
  readonly onNote?: (line: string) => void;
}

export interface TrainSummary {
  out: string;
  reason: TrainResult['reason'];
  epochs: number;
  validationNll: number | null;
  trainLoss: number | null;
  seconds: number;
  threads: number;
  config: { model: ModelConfig; training: TrainingSettings };
}

async function readConfigFile(file: string | undefined): Promise<TrainingConfig> {
  if (file === undefined) return {};
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new InvalidInputError(`{config} ${file}: cannot read JSON (${error instanceof Error ? error.message : String(error)})`, { field: 'config' });
  }
  const parsed = trainingConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidInputError(`{config} ${file}: ${issue ? `${issue.path.join('.') || 'root'}: ${issue.message}` : 'invalid'}`, { field: 'config' });
  }
  return parsed.data;
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A model whose vocabulary is the start of the data's (token language 1 → 2) is widened to it; others are refused. */
function widenedForData(initial: LoadedModel, data: Vocabulary, name: string, note: (line: string) => void): LoadedModel {
  const from = Vocabulary.fromJSON(initial.vocabulary);
  let widened: ReturnType<typeof widenVocabulary>;
  try {
    widened = widenVocabulary(initial.config, initial.params, from, data);
  } catch (error) {
    if (error instanceof InvalidInputError) throw new InvalidInputError(`{init} ${name}: ${error.message}`, { field: 'init', cause: error });
    throw error;
  }
  note(`the initial model ${name}: vocabulary ${from.version} widened to ${data.version} (${from.size} → ${data.size} tokens)`);
  return { ...initial, ...widened, vocabulary: data.toJSON() };
}

/** `data`, or the preset's data sets built into data/shards/PRESET (reused when already built from the same sets). */
async function resolveData(
  data: string | undefined,
  presetName: string | undefined,
  preset: TrainingPreset | undefined,
  note: (line: string) => void,
): Promise<string> {
  if (data !== undefined) return data;
  if (!presetName || !preset?.data)
    throw new InvalidInputError(
      `{data} is required (a token shard folder), unless the preset names its data (${presetNames()
        .filter((n) => PRESETS[n]?.data)
        .join(', ')})`,
      { field: 'data' },
    );
  const dir = path.join('data', 'shards', presetName);
  const manifest = path.join(dir, 'manifest.json');
  if (existsSync(manifest)) {
    const built = JSON.parse(await readFile(manifest, 'utf8')) as { sources?: unknown; vocabulary?: { version?: unknown } };
    // Shards of an older token language are rebuilt (the preset trains in the current one).
    if (JSON.stringify(built.sources) === JSON.stringify(preset.data) && built.vocabulary?.version === TOKEN_LANGUAGE_VERSION) return dir;
  }
  note(`building token shards from ${preset.data.join(', ')} into ${dir}…`);
  const datasets = await Promise.all(preset.data.map((spec) => openDataset(spec)));
  await buildShards(datasets, { outDir: dir, validFraction: 0.1, stepsPerQuarter: 4, seed: 0, sources: preset.data });
  return dir;
}

/** Trains (or continues, or fine-tunes) a model and saves it with its card. */
export async function train(input: unknown, context: TrainContext = {}): Promise<TrainSummary> {
  const flags = parseInput(trainInputSchema, input, 'training options');
  const note = context.onNote ?? (() => undefined);
  const file = await readConfigFile(flags.config);
  const presetName = flags.preset ?? file.preset;
  const preset = presetName === undefined ? undefined : PRESETS[presetName];
  if (presetName !== undefined && !preset)
    throw new InvalidInputError(`unknown preset ${quoteInput(presetName)}: expected one of ${presetNames().join(', ')}`, { field: 'preset' });
  const dataDir = await resolveData(flags.data, presetName, preset, note);
  const outDir = flags.out ?? preset?.out;
  if (outDir === undefined) throw new InvalidInputError('{out} is required (the model folder to write)', { field: 'out' });
  const shards = await readShards(dataDir);
  const [trainSet, valid] = await Promise.all([shards.load('train'), shards.load('valid')]);
  if (trainSet.length === 0) throw new InvalidInputError(`${dataDir} has no training pieces`);
  const model = parseModelConfig({
    vocabSize: shards.vocabulary.size,
    embedding: 64,
    layers: [256, 256],
    dropout: 0,
    ...preset?.model,
    ...dropUndefined({ cell: file.cell, layers: file.layers, embedding: file.embedding, dropout: file.dropout }),
    ...dropUndefined({ cell: flags.cell, layers: flags.layers, embedding: flags.embedding, dropout: flags.dropout }),
  });
  const settingKeys = [
    'seqLen',
    'batchSize',
    'learningRate',
    'epochs',
    'threads',
    'clipNorm',
    'seed',
    'earlyStopping',
    'transpose',
    'lrDecay',
    'stateful',
  ] as const;
  const pick = (source: TrainingConfig): Partial<TrainingConfig> => dropUndefined(Object.fromEntries(settingKeys.map((key) => [key, source[key]])));
  const overrides = { ...pick(file), ...pick(flags) };
  const settings = trainingSettingsSchema.parse({ ...preset?.training, ...overrides });

  const trainingData = {
    train: trainSet.map((p) => p.tokens),
    valid: valid.map((p) => p.tokens),
    vocabulary: shards.manifest.vocabulary,
    source: preset?.data && flags.data === undefined ? preset.data.join(' ') : path.resolve(dataDir),
    styles: [...shards.manifest.styles],
    stepsPerQuarter: shards.manifest.stepsPerQuarter,
    ...(shards.manifest.sources ? { datasets: [...shards.manifest.sources] } : {}),
  };
  const common = {
    data: trainingData,
    resume: flags.resume,
    ...(context.signal ? { signal: context.signal } : {}),
    ...(context.onProgress ? { onProgress: context.onProgress } : {}),
    ...(context.onEpoch ? { onEpoch: context.onEpoch } : {}),
    // A bundled preset's model is named after the preset, not its folder.
    ...(flags.name ? { name: flags.name } : presetName && preset?.out ? { name: presetName } : {}),
  };
  let initial = flags.init === undefined ? undefined : await loadModel(flags.init);
  if (initial && initial.config.vocabSize !== model.vocabSize) initial = widenedForData(initial, shards.vocabulary, flags.init!, note);
  let stageOne: TrainResult | undefined;
  if (preset?.fineTune && !initial) {
    // Two-stage preset: train from scratch, then fine-tune from the best weights into outDir.
    const stageDir = path.join('data', 'runs', `${presetName}-stage1`);
    note(`stage 1 of 2 (${stageDir}): ${preset.description}`);
    stageOne = await trainModel({ ...common, model, settings, outDir: stageDir });
    if (stageOne.reason === 'interrupted') throw new InvalidInputError('stage 1 interrupted: continue with the same command and {resume}', { field: 'resume' });
    initial = await loadModel(stageDir);
    note(`stage 2 of 2 (${outDir}): ${preset.fineTune.description}`);
  }
  const finalModel = initial ? { ...initial.config, dropout: preset?.fineTune?.dropout ?? model.dropout } : model;
  const finalSettings = !preset?.fineTune
    ? settings
    : stageOne
      ? trainingSettingsSchema.parse({ ...settings, ...preset.fineTune.training })
      : // `init` with a two-stage preset runs stage 2 alone: the given model stands for stage 1.
        trainingSettingsSchema.parse({ ...preset.training, ...preset.fineTune.training, ...overrides });
  const stages = stageOne
    ? [{ settings, epochs: stageOne.epochsCompleted, validationNll: stageOne.bestValidationNll, trainingSeconds: Math.round(stageOne.trainingSeconds) }]
    : preset?.fineTune && initial?.card
      ? trainingStages(initial.card)
      : undefined;
  const result = await trainModel({
    ...common,
    model: finalModel,
    settings: finalSettings,
    outDir,
    ...(initial ? { initialParams: initial.params, parent: `${initial.card?.name ?? path.basename(initial.dir)}@${initial.card?.version ?? 'unknown'}` } : {}),
    ...(stages ? { cardExtras: { stages } } : {}),
  });
  return {
    out: path.resolve(result.outDir),
    reason: result.reason,
    epochs: result.epochsCompleted,
    validationNll: result.bestValidationNll,
    trainLoss: result.finalTrainLoss,
    seconds: Math.round(((stageOne?.trainingSeconds ?? 0) + result.trainingSeconds) * 10) / 10,
    threads: result.threads,
    config: { model: finalModel, training: finalSettings },
  };
}
