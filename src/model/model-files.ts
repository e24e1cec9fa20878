import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { modelsDirSetting } from '../config/settings.js';
import { InvalidInputError, MissingDependencyError } from '../util/errors.js';
import { CELLS, RECURRENT_CELLS } from './cells.js';
import { type ModelConfig, cellOf, paramCount, paramLayout, parseModelConfig, recurrentLayerName } from './config.js';
import { quoteInput } from '../util/text.js';

/**
 * A trained model directory: model.json + weights.bin (TensorFlow.js
 * LayersModel format, Keras LSTM or GRU layout, loadable by tf.loadLayersModel),
 * vocabulary.json and card.json.
 */
export const MODEL_FILES = { topology: 'model.json', weights: 'weights.bin', vocabulary: 'vocabulary.json', card: 'card.json' } as const;

/** What a model was trained on and how well it did. */
export interface ModelCard {
  name: string;
  /** Version label of this model; `parent` names the model it was fine-tuned from. */
  version: string;
  parent: string | null;
  createdAt: string;
  data: { source: string; pieces?: number; tokens?: number; styles?: string[]; [key: string]: unknown };
  config: { model: ModelConfig; training?: Record<string, unknown> };
  epochs: number;
  validationNll: number | null;
  trainingSeconds: number;
  engine: string;
  [key: string]: unknown;
}

/** One stage of a multi-stage training run, as a card lists it under `stages`. */
export interface TrainingStage {
  settings: Record<string, unknown>;
  epochs: number | null;
  validationNll: number | null;
  trainingSeconds: number;
}

/** A card field as a number: null unless it is a finite number (cards are JSON written by any version). */
export const cardNumber = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Every stage that made this model, oldest first: the stages its card lists (a two-stage preset's
 * earlier runs) followed by the card's own run. Time to rebuild the model is their sum.
 */
export function trainingStages(card: ModelCard): TrainingStage[] {
  const listed = Array.isArray(card.stages) ? (card.stages as unknown[]) : [];
  const earlier = listed.flatMap((stage): TrainingStage[] => {
    if (typeof stage !== 'object' || stage === null) return [];
    const s = stage as Record<string, unknown>;
    const settings = typeof s.settings === 'object' && s.settings !== null ? (s.settings as Record<string, unknown>) : {};
    return [{ settings, epochs: cardNumber(s.epochs), validationNll: cardNumber(s.validationNll), trainingSeconds: cardNumber(s.trainingSeconds) ?? 0 }];
  });
  const own = {
    settings: card.config.training ?? {},
    epochs: cardNumber(card.epochs),
    validationNll: cardNumber(card.validationNll),
    trainingSeconds: cardNumber(card.trainingSeconds) ?? 0,
  };
  return [...earlier, own];
}

/**
 * True for a model trained on piano rolls read one note per sounding pitch per frame (`jsb-frames`,
 * see src/datasets/jsb.ts): it writes repeated notes where music holds them, and is scored on the
 * chorales read the same way.
 */
export function readsPianoRollFrames(card: ModelCard | null | undefined): boolean {
  const built = card?.data?.datasets;
  return Array.isArray(built) && built.includes('jsb-frames') && !built.includes('jsb');
}

export interface LoadedModel {
  dir: string;
  config: ModelConfig;
  params: Float32Array;
  /** vocabulary.json as stored (Vocabulary.fromJSON turns it into a Vocabulary). */
  vocabulary: unknown;
  card: ModelCard | null;
}

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where `loadModel(name)` looks: $RHYTHMIX_MODELS_DIR or <package>/models. */
export function modelsDirectory(configured: string | undefined = modelsDirSetting()): string {
  return configured ? path.resolve(configured) : path.join(PACKAGE_ROOT, 'models');
}

/** A bare name (letters, digits, -_.) is looked up in models/; anything else is a path. */
export function resolveModelDir(nameOrPath: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(nameOrPath) && !existsSync(path.join(nameOrPath, MODEL_FILES.topology))) {
    return path.join(modelsDirectory(), nameOrPath);
  }
  return path.resolve(nameOrPath);
}

/** Keras/TensorFlow.js topology of the network (Sequential: Embedding, LSTM×N or GRU×N, Dense softmax). */
export function layersTopology(config: ModelConfig): Record<string, unknown> {
  const glorot = { class_name: 'GlorotUniform', config: { seed: null } };
  const zeros = { class_name: 'Zeros', config: {} };
  const cellName = cellOf(config);
  const cell = CELLS[cellName];
  const layers: unknown[] = [
    {
      class_name: 'Embedding',
      config: {
        name: 'embedding',
        trainable: true,
        dtype: 'float32',
        batch_input_shape: [null, null],
        input_dim: config.vocabSize,
        output_dim: config.embedding,
        input_length: null,
        mask_zero: false,
        embeddings_initializer: { class_name: 'RandomUniform', config: { minval: -0.05, maxval: 0.05, seed: null } },
        embeddings_regularizer: null,
        activity_regularizer: null,
        embeddings_constraint: null,
      },
    },
    ...config.layers.map((units, index) => ({
      class_name: cell.kerasClass,
      config: {
        name: recurrentLayerName(cellName, index),
        trainable: true,
        dtype: 'float32',
        units,
        activation: 'tanh',
        recurrent_activation: 'sigmoid',
        use_bias: true,
        kernel_initializer: glorot,
        recurrent_initializer: glorot,
        bias_initializer: zeros,
        ...cell.kerasOptions,
        kernel_regularizer: null,
        recurrent_regularizer: null,
        bias_regularizer: null,
        activity_regularizer: null,
        kernel_constraint: null,
        recurrent_constraint: null,
        bias_constraint: null,
        dropout: 0,
        recurrent_dropout: 0,
        implementation: 2,
        return_sequences: true,
        return_state: false,
        go_backwards: false,
        stateful: false,
        unroll: false,
      },
    })),
    {
      class_name: 'Dense',
      config: {
        name: 'output',
        trainable: true,
        dtype: 'float32',
        units: config.vocabSize,
        activation: 'softmax',
        use_bias: true,
        kernel_initializer: glorot,
        bias_initializer: zeros,
        kernel_regularizer: null,
        bias_regularizer: null,
        activity_regularizer: null,
        kernel_constraint: null,
        bias_constraint: null,
      },
    },
  ];
  return {
    class_name: 'Sequential',
    config: { name: 'rhythmix', layers },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
}

export interface SaveModelInput {
  config: ModelConfig;
  params: Float32Array;
  vocabulary: unknown;
  card: ModelCard;
}

async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, data);
  await rename(temp, file);
}

/** Writes the four model files into `dir` (created if needed); each file is replaced atomically. */
export async function saveModel(dir: string, input: SaveModelInput): Promise<void> {
  const { config, params } = input;
  if (params.length !== paramCount(config)) throw new Error(`parameter vector has ${params.length} values, configuration needs ${paramCount(config)}`);
  await mkdir(dir, { recursive: true });
  const weights = paramLayout(config).map((block) => ({ name: block.name, shape: block.shape, dtype: 'float32' }));
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'rhythmix engine',
    convertedBy: null,
    modelTopology: layersTopology(config),
    weightsManifest: [{ paths: [MODEL_FILES.weights], weights }],
    userDefinedMetadata: { rhythmix: { config } },
  };
  await writeAtomic(path.join(dir, MODEL_FILES.weights), new Uint8Array(params.buffer, params.byteOffset, params.byteLength));
  await writeAtomic(path.join(dir, MODEL_FILES.vocabulary), `${JSON.stringify(input.vocabulary, null, 2)}\n`);
  await writeAtomic(path.join(dir, MODEL_FILES.card), `${JSON.stringify(input.card, null, 2)}\n`);
  await writeAtomic(path.join(dir, MODEL_FILES.topology), `${JSON.stringify(modelJson)}\n`);
}

interface TopologyLayer {
  class_name: string;
  config: Record<string, unknown>;
}

/** Reads the architecture back from a LayersModel topology (ours or an equivalent Keras one). */
export function configFromTopology(topology: unknown): ModelConfig {
  const layers = ((topology as { config?: { layers?: TopologyLayer[] } })?.config?.layers ?? []).filter(
    (l) => l.class_name !== 'InputLayer' && l.class_name !== 'Dropout',
  );
  const [first, ...rest] = layers;
  const last = rest.pop();
  const cell = RECURRENT_CELLS.find((c) => CELLS[c].kerasClass === rest[0]?.class_name);
  if (!first || first.class_name !== 'Embedding' || !last || last.class_name !== 'Dense' || !cell || rest.some((l) => l.class_name !== rest[0]!.class_name)) {
    throw new InvalidInputError('model.json is not an Embedding → LSTM… or GRU… → Dense model');
  }
  // Keras 2.3+ saves GRUs with reset_after = true (two biases): a form neither TensorFlow.js nor this engine runs.
  if (cell === 'gru' && rest.some((l) => l.config.reset_after === true)) {
    throw new InvalidInputError('model.json holds a GRU with reset_after = true; only reset_after = false (the TensorFlow.js GRU) is supported');
  }
  return parseModelConfig({
    vocabSize: first.config.input_dim,
    embedding: first.config.output_dim,
    layers: rest.map((l) => l.config.units),
    ...(cell === 'lstm' ? {} : { cell }),
    dropout: 0,
  });
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (error) {
    throw new InvalidInputError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Loads a model directory by name (models/<name>/) or path. */
export async function loadModel(nameOrPath: string): Promise<LoadedModel> {
  const dir = resolveModelDir(nameOrPath);
  const topologyFile = path.join(dir, MODEL_FILES.topology);
  if (!existsSync(topologyFile)) {
    throw new MissingDependencyError(`no model ${quoteInput(nameOrPath)}: ${topologyFile} does not exist (train one with \`rhythmix train\`)`);
  }
  const modelJson = (await readJson(topologyFile)) as {
    modelTopology?: unknown;
    weightsManifest?: Array<{ paths: string[]; weights: Array<{ name: string; shape: number[]; dtype?: string }> }>;
  };
  const stored = (modelJson as { userDefinedMetadata?: { rhythmix?: { config?: unknown } } }).userDefinedMetadata?.rhythmix?.config;
  const config = stored ? parseModelConfig(stored) : configFromTopology(modelJson.modelTopology);
  const params = new Float32Array(paramCount(config));
  const layout = paramLayout(config);
  const byName = new Map(layout.map((b) => [b.name, b]));
  const specs = (modelJson.weightsManifest ?? []).flatMap((group) => group.weights);
  // Our names (embedding/embeddings, lstm_k/…, output/…), or — for a model saved by tf.layers under
  // other layer names — the manifest order, which is the layer order of the same architecture.
  const byOrder = specs.length === layout.length && specs.some((spec) => !byName.has(spec.name));
  const filled = new Set<string>();
  let index = 0;
  for (const group of modelJson.weightsManifest ?? []) {
    const chunks = await Promise.all(group.paths.map((p) => readFile(path.join(dir, p))));
    const bytes = Buffer.concat(chunks);
    let offset = 0;
    for (const spec of group.weights) {
      if (spec.dtype && spec.dtype !== 'float32') throw new InvalidInputError(`weight ${spec.name} has dtype ${spec.dtype}; only float32 is supported`);
      const size = spec.shape.reduce((a, b) => a * b, 1);
      const block = byOrder ? layout[index] : byName.get(spec.name);
      index++;
      if (!block || block.size !== size || block.shape.join('x') !== spec.shape.join('x'))
        throw new InvalidInputError(`weight ${spec.name} ${JSON.stringify(spec.shape)} does not fit the model configuration`);
      if (offset + size * 4 > bytes.length) throw new InvalidInputError(`${dir}: weight file too short for ${spec.name}`);
      params.set(new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + size * 4)), block.offset);
      filled.add(block.name);
      offset += size * 4;
    }
  }
  const missing = [...byName.keys()].filter((n) => !filled.has(n));
  if (missing.length > 0) throw new InvalidInputError(`${dir}: weights missing for ${missing.join(', ')}`);
  const vocabularyFile = path.join(dir, MODEL_FILES.vocabulary);
  const cardFile = path.join(dir, MODEL_FILES.card);
  return {
    dir,
    config,
    params,
    vocabulary: existsSync(vocabularyFile) ? await readJson(vocabularyFile) : null,
    card: existsSync(cardFile) ? ((await readJson(cardFile)) as ModelCard) : null,
  };
}

/** Removes a model directory's files (used when a training run is abandoned before its first epoch). */
export async function removeModelFiles(dir: string): Promise<void> {
  await Promise.all(Object.values(MODEL_FILES).map((f) => rm(path.join(dir, f), { force: true })));
}
