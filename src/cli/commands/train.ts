/**
 * `rhythmix train --data SHARDS_DIR --out DIR [--preset NAME] [--config FILE.json]
 *  (`rhythmix train --preset jsb-bench|rhythmix-base` alone rebuilds a bundled model)
 *  [--cell lstm|gru --layers 256,256 --embedding 64 --dropout P --seq-len N --batch N --lr X --epochs N
 *   --threads N --clip X --seed N --early-stopping N] [--resume] [--json]`.
 * Precedence: built-in defaults < preset < config file < flags. Training runs
 * in worker threads; Ctrl-C finishes the current step and saves a checkpoint.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { z } from 'zod';
import { buildShards } from '../../datasets/build.js';
import { readShards } from '../../datasets/shards.js';
import { openDataset } from '../../datasets/spec.js';
import { RECURRENT_CELLS, type RecurrentCell } from '../../model/cells.js';
import { parseModelConfig } from '../../model/config.js';
import { PRESETS, presetNames, type TrainingPreset } from '../../train/presets.js';
import { trainingSettingsSchema } from '../../train/settings.js';
import { type EpochReport, type TrainProgress, type TrainResult, trainModel } from '../../train/trainer.js';
import { loadModel, trainingStages, type LoadedModel } from '../../model/model-files.js';
import { widenVocabulary } from '../../model/widen-vocabulary.js';
import { TOKEN_LANGUAGE_VERSION, Vocabulary } from '../../music/vocabulary.js';
import { InvalidInputError } from '../../util/errors.js';
import { quoteInput } from '../../util/text.js';

interface TrainFlags {
  data?: string;
  out?: string;
  config?: string;
  preset?: string;
  cell?: string;
  layers?: string;
  embedding?: string;
  dropout?: string;
  seqLen?: string;
  batch?: string;
  lr?: string;
  epochs?: string;
  threads?: string;
  clip?: string;
  seed?: string;
  earlyStopping?: string;
  transpose?: string;
  lrDecay?: string;
  stateful?: boolean;
  init?: string;
  resume?: boolean;
  name?: string;
  json?: boolean;
}

/** Keys a --config file may hold (the same names as the card's configuration). */
const configFileSchema = z
  .object({
    preset: z.string().optional(),
    cell: z.enum(RECURRENT_CELLS).optional(),
    layers: z.array(z.number().int().positive()).optional(),
    embedding: z.number().int().positive().optional(),
    dropout: z.number().min(0).lt(1).optional(),
    seqLen: z.number().int().positive().optional(),
    batchSize: z.number().int().positive().optional(),
    learningRate: z.number().positive().optional(),
    epochs: z.number().int().positive().optional(),
    threads: z.number().int().min(0).optional(),
    clipNorm: z.number().min(0).optional(),
    seed: z.number().int().optional(),
    earlyStopping: z.number().int().min(0).optional(),
    transpose: z.number().int().min(0).max(12).optional(),
    lrDecay: z.number().gt(0).max(1).optional(),
    stateful: z.boolean().optional(),
  })
  .strict();
type ConfigFile = z.infer<typeof configFileSchema>;

function number(flag: string, raw: string | undefined, check: (v: number) => boolean, expected: string): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || !check(value)) throw new InvalidInputError(`${flag} must be ${expected}, got ${quoteInput(raw)}`);
  return value;
}
const int =
  (min: number) =>
  (v: number): boolean =>
    Number.isInteger(v) && v >= min;

function parseLayers(raw: string | undefined): number[] | undefined {
  if (raw === undefined) return undefined;
  const sizes = raw.split(',').map((s) => Number(s.trim()));
  if (sizes.length === 0 || sizes.some((s) => !Number.isInteger(s) || s < 1 || s > 4096)) {
    throw new InvalidInputError(`--layers must be comma-separated layer sizes like 256,256, got ${quoteInput(raw)}`);
  }
  return sizes;
}

function parseCell(raw: string | undefined): RecurrentCell | undefined {
  if (raw === undefined) return undefined;
  const cell = RECURRENT_CELLS.find((c) => c === raw.trim().toLowerCase());
  if (!cell) throw new InvalidInputError(`--cell must be one of ${RECURRENT_CELLS.join(', ')}, got "${raw}"`);
  return cell;
}

async function readConfigFile(file: string | undefined): Promise<ConfigFile> {
  if (file === undefined) return {};
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new InvalidInputError(`--config ${file}: cannot read JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const parsed = configFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidInputError(`--config ${file}: ${issue ? `${issue.path.join('.') || 'root'}: ${issue.message}` : 'invalid'}`);
  }
  return parsed.data;
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** `--data`, or the preset's data sets built into data/shards/PRESET (reused when already built from the same sets). */
/** A model whose vocabulary is the start of the data's (token language 1 → 2) is widened to it; others are refused. */
function widenedForData(initial: LoadedModel, data: Vocabulary, name: string): LoadedModel {
  const from = Vocabulary.fromJSON(initial.vocabulary);
  let widened: ReturnType<typeof widenVocabulary>;
  try {
    widened = widenVocabulary(initial.config, initial.params, from, data);
  } catch (error) {
    if (error instanceof InvalidInputError) throw new InvalidInputError(`--init ${name}: ${error.message}`, { cause: error });
    throw error;
  }
  process.stderr.write(`--init ${name}: vocabulary ${from.version} widened to ${data.version} (${from.size} → ${data.size} tokens)\n`);
  return { ...initial, ...widened, vocabulary: data.toJSON() };
}

async function resolveData(data: string | undefined, presetName: string | undefined, preset: TrainingPreset | undefined): Promise<string> {
  if (data !== undefined) return data;
  if (!presetName || !preset?.data)
    throw new InvalidInputError(
      `--data is required (a token shard folder), unless the preset names its data (${presetNames()
        .filter((n) => PRESETS[n]?.data)
        .join(', ')})`,
    );
  const dir = path.join('data', 'shards', presetName);
  const manifest = path.join(dir, 'manifest.json');
  if (existsSync(manifest)) {
    const built = JSON.parse(await readFile(manifest, 'utf8')) as { sources?: unknown; vocabulary?: { version?: unknown } };
    // Shards of an older token language are rebuilt (the preset trains in the current one).
    if (JSON.stringify(built.sources) === JSON.stringify(preset.data) && built.vocabulary?.version === TOKEN_LANGUAGE_VERSION) return dir;
  }
  process.stderr.write(`building token shards from ${preset.data.join(', ')} into ${dir}…\n`);
  const datasets = await Promise.all(preset.data.map((spec) => openDataset(spec)));
  await buildShards(datasets, { outDir: dir, validFraction: 0.1, stepsPerQuarter: 4, seed: 0, sources: preset.data });
  return dir;
}

function progressReporter(json: boolean | undefined): { progress(p: TrainProgress): void; epoch(e: EpochReport): void; stop(): void } {
  const formatEta = (s: number): string =>
    Number.isFinite(s) ? (s >= 3600 ? `${(s / 3600).toFixed(1)}h` : s >= 60 ? `${Math.round(s / 60)}m` : `${Math.round(s)}s`) : '?';
  if (process.stderr.isTTY && !json) {
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: 'epoch {epoch} [{bar}] {value}/{total} | loss {loss} | {tps} tok/s | ETA {eta}',
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    let currentEpoch = 0;
    return {
      progress(p) {
        const payload = {
          epoch: `${p.epoch}/${p.epochs}`,
          loss: p.loss.toFixed(3),
          tps: p.tokensPerSecond > 0 ? Math.round(p.tokensPerSecond) : '…',
          eta: formatEta(p.etaSeconds),
        };
        if (!started || p.epoch !== currentEpoch) {
          if (started) bar.stop();
          bar.start(p.batches, p.batch, payload);
          started = true;
          currentEpoch = p.epoch;
        } else {
          bar.update(p.batch, payload);
        }
      },
      epoch(e) {
        if (started) bar.stop();
        started = false;
        process.stderr.write(
          `epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(4)}, validation NLL ${e.validationNll === null ? 'n/a' : e.validationNll.toFixed(4)}${e.best ? ' (best, saved)' : ''}\n`,
        );
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  // Not a terminal: a plain line every 10 s and one per epoch, on stderr.
  let last = 0;
  return {
    progress(p) {
      const now = Date.now();
      if (now - last < 10_000) return;
      last = now;
      process.stderr.write(
        `epoch ${p.epoch}/${p.epochs} batch ${p.batch}/${p.batches} loss ${p.loss.toFixed(3)} ${p.tokensPerSecond > 0 ? Math.round(p.tokensPerSecond) : '…'} tok/s ETA ${formatEta(p.etaSeconds)}\n`,
      );
    },
    epoch(e) {
      process.stderr.write(
        `epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(4)}, validation NLL ${e.validationNll === null ? 'n/a' : e.validationNll.toFixed(4)}${e.best ? ' (best, saved)' : ''}\n`,
      );
    },
    stop: () => undefined,
  };
}

export function register(program: Command): void {
  program
    .command('train')
    .description('Train a stacked-LSTM (or GRU) model on token shards (see `rhythmix dataset build`)')
    .option('--data <dir>', 'token shard folder (manifest.json + JSONL files); default for a preset that names its data: built into data/shards/PRESET')
    .option(
      '--out <dir>',
      'model folder to write (model.json, weights.bin, vocabulary.json, card.json, checkpoint/); default for bundled presets: models/PRESET',
    )
    .option('--preset <name>', `starting configuration: ${presetNames().join(', ')}`)
    .option(
      '--config <file>',
      'JSON file with configuration keys (cell, layers, embedding, dropout, seqLen, batchSize, learningRate, epochs, threads, clipNorm, seed, earlyStopping, transpose, lrDecay, stateful, preset)',
    )
    .option('--cell <cell>', `recurrent cell of every layer: ${RECURRENT_CELLS.join(' or ')} (default lstm)`)
    .option('--layers <sizes>', 'recurrent layer sizes, e.g. 256,256')
    .option('--embedding <n>', 'embedding size')
    .option('--dropout <p>', 'dropout on each recurrent layer output while training, 0 ≤ p < 1')
    .option('--seq-len <n>', 'tokens per training window (back-propagation length)')
    .option('--batch <n>', 'windows per batch')
    .option('--lr <x>', 'Adam learning rate')
    .option('--epochs <n>', 'epochs to train')
    .option('--threads <n>', 'worker threads (0 = one per core, at most batch/8)')
    .option('--clip <x>', 'gradient-norm clip (0 = off)')
    .option('--seed <n>', 'seed: same seed, data and threads give the same model')
    .option('--early-stopping <n>', 'stop after N epochs without a better validation NLL (0 = off)')
    .option('--transpose <n>', 'augmentation: each epoch moves every piece by a random shift within ±N semitones (0 = off)')
    .option('--lr-decay <x>', 'multiply the learning rate by x after an epoch without a better validation NLL (default 1 = constant)')
    .option('--stateful', "carry each batch row's recurrent state from window to window through whole pieces (stateful truncated BPTT)")
    .option('--no-stateful', 'start every window from a zero state (overrides a preset)')
    .option('--init <model>', "start from this model's weights and architecture (fine-tuning)")
    .option('--resume', 'continue from <out>/checkpoint')
    .option('--name <name>', 'model name for the card (default: the folder name)')
    .option('--json', 'print one JSON summary on stdout')
    .action(async (flags: TrainFlags) => {
      const file = await readConfigFile(flags.config);
      const presetName = flags.preset ?? file.preset;
      const preset = presetName === undefined ? undefined : PRESETS[presetName];
      if (presetName !== undefined && !preset)
        throw new InvalidInputError(`unknown preset ${quoteInput(presetName)}: expected one of ${presetNames().join(', ')}`);
      const dataDir = await resolveData(flags.data, presetName, preset);
      const outDir = flags.out ?? preset?.out;
      if (outDir === undefined) throw new InvalidInputError('--out is required (the model folder to write)');
      const shards = await readShards(dataDir);
      const [train, valid] = await Promise.all([shards.load('train'), shards.load('valid')]);
      if (train.length === 0) throw new InvalidInputError(`${dataDir} has no training pieces`);
      const model = parseModelConfig({
        vocabSize: shards.vocabulary.size,
        embedding: 64,
        layers: [256, 256],
        dropout: 0,
        ...preset?.model,
        ...dropUndefined({ cell: file.cell, layers: file.layers, embedding: file.embedding, dropout: file.dropout }),
        ...dropUndefined({
          cell: parseCell(flags.cell),
          layers: parseLayers(flags.layers),
          embedding: number('--embedding', flags.embedding, int(1), 'a whole number ≥ 1'),
          dropout: number('--dropout', flags.dropout, (v) => v >= 0 && v < 1, 'a number in [0, 1)'),
        }),
      });
      const overrides = {
        ...dropUndefined({
          seqLen: file.seqLen,
          batchSize: file.batchSize,
          learningRate: file.learningRate,
          epochs: file.epochs,
          threads: file.threads,
          clipNorm: file.clipNorm,
          seed: file.seed,
          earlyStopping: file.earlyStopping,
          transpose: file.transpose,
          lrDecay: file.lrDecay,
          stateful: file.stateful,
        }),
        ...dropUndefined({
          seqLen: number('--seq-len', flags.seqLen, int(1), 'a whole number ≥ 1'),
          batchSize: number('--batch', flags.batch, int(1), 'a whole number ≥ 1'),
          learningRate: number('--lr', flags.lr, (v) => v > 0, 'a positive number'),
          epochs: number('--epochs', flags.epochs, int(1), 'a whole number ≥ 1'),
          threads: number('--threads', flags.threads, int(0), 'a whole number ≥ 0'),
          clipNorm: number('--clip', flags.clip, (v) => v >= 0, 'a number ≥ 0'),
          seed: number('--seed', flags.seed, Number.isInteger, 'a whole number'),
          earlyStopping: number('--early-stopping', flags.earlyStopping, int(0), 'a whole number ≥ 0'),
          transpose: number('--transpose', flags.transpose, (v) => int(0)(v) && v <= 12, 'a whole number from 0 to 12'),
          lrDecay: number('--lr-decay', flags.lrDecay, (v) => v > 0 && v <= 1, 'a number in (0, 1]'),
          stateful: flags.stateful,
        }),
      };
      const settings = trainingSettingsSchema.parse({ ...preset?.training, ...overrides });
      const controller = new AbortController();
      let interrupts = 0;
      const onSigint = (): void => {
        interrupts++;
        if (interrupts > 1) process.exit(130);
        process.stderr.write('\nstopping after this step and saving a checkpoint (Ctrl-C again to quit at once)…\n');
        controller.abort();
      };
      process.on('SIGINT', onSigint);
      const reporter = progressReporter(flags.json);
      try {
        const trainingData = {
          train: train.map((p) => p.tokens),
          valid: valid.map((p) => p.tokens),
          vocabulary: shards.manifest.vocabulary,
          source: preset?.data && flags.data === undefined ? preset.data.join(' ') : path.resolve(dataDir),
          styles: [...shards.manifest.styles],
          stepsPerQuarter: shards.manifest.stepsPerQuarter,
          ...(shards.manifest.sources ? { datasets: [...shards.manifest.sources] } : {}),
        };
        const common = {
          data: trainingData,
          resume: flags.resume ?? false,
          signal: controller.signal,
          onProgress: (p: TrainProgress) => reporter.progress(p),
          onEpoch: (e: EpochReport) => reporter.epoch(e),
          // A bundled preset's model is named after the preset, not its folder.
          ...(flags.name ? { name: flags.name } : presetName && preset?.out ? { name: presetName } : {}),
        };
        let initial = flags.init === undefined ? undefined : await loadModel(flags.init);
        if (initial && initial.config.vocabSize !== model.vocabSize) initial = widenedForData(initial, shards.vocabulary, flags.init!);
        let stageOne: TrainResult | undefined;
        if (preset?.fineTune && !initial) {
          // Two-stage preset: train from scratch, then fine-tune from the best weights into outDir.
          const stageDir = path.join('data', 'runs', `${presetName}-stage1`);
          process.stderr.write(`stage 1 of 2 (${stageDir}): ${preset.description}\n`);
          stageOne = await trainModel({ ...common, model, settings, outDir: stageDir });
          if (stageOne.reason === 'interrupted') throw new InvalidInputError(`stage 1 interrupted: continue with the same command and --resume`);
          initial = await loadModel(stageDir);
          process.stderr.write(`stage 2 of 2 (${outDir}): ${preset.fineTune.description}\n`);
        }
        const finalModel = initial ? { ...initial.config, dropout: preset?.fineTune?.dropout ?? model.dropout } : model;
        const finalSettings = !preset?.fineTune
          ? settings
          : stageOne
            ? trainingSettingsSchema.parse({ ...settings, ...preset.fineTune.training })
            : // --init with a two-stage preset runs stage 2 alone: the given model stands for stage 1.
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
          ...(initial
            ? { initialParams: initial.params, parent: `${initial.card?.name ?? path.basename(initial.dir)}@${initial.card?.version ?? 'unknown'}` }
            : {}),
          ...(stages ? { cardExtras: { stages } } : {}),
        });
        reporter.stop();
        const summary = {
          out: path.resolve(result.outDir),
          reason: result.reason,
          epochs: result.epochsCompleted,
          validationNll: result.bestValidationNll,
          trainLoss: result.finalTrainLoss,
          seconds: Math.round(((stageOne?.trainingSeconds ?? 0) + result.trainingSeconds) * 10) / 10,
          threads: result.threads,
          config: { model: finalModel, training: finalSettings },
        };
        if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
        else if (result.reason === 'interrupted')
          console.log(`interrupted: checkpoint saved in ${path.join(summary.out, 'checkpoint')}; continue with --resume`);
        else
          console.log(
            `trained ${summary.epochs} epoch(s) (${result.reason}) in ${summary.seconds}s; best validation NLL ${summary.validationNll?.toFixed(4) ?? 'n/a'}; model in ${summary.out}`,
          );
      } finally {
        reporter.stop();
        process.off('SIGINT', onSigint);
      }
    });
}
