/**
 * `rhythmix train --data SHARDS_DIR --out DIR [--preset NAME] [--config FILE.json]
 *  (`rhythmix train --preset jsb-bench|rhythmix-base` alone rebuilds a bundled model)
 *  [--cell lstm|gru --layers 256,256 --embedding 64 --dropout P --seq-len N --batch N --lr X --epochs N
 *   --threads N --clip X --seed N --early-stopping N] [--resume] [--json]`.
 * Precedence: built-in defaults < preset < config file < flags. Training runs
 * in worker threads; Ctrl-C finishes the current step and saves a checkpoint. A thin adapter over
 * the train use case (src/app/train.ts): flags → its input, progress and the summary printed.
 */
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { train, trainInputSchema, type TrainInput } from '../../app/train.js';
import { RECURRENT_CELLS } from '../../model/cells.js';
import { presetNames } from '../../train/presets.js';
import type { EpochReport, TrainProgress } from '../../train/trainer.js';
import { fieldParser, flagNamer, withFlagNames } from '../flags.js';

interface TrainFlags {
  data?: string;
  out?: string;
  config?: string;
  preset?: string;
  cell?: string;
  layers?: number[];
  embedding?: number;
  dropout?: number;
  seqLen?: number;
  batch?: number;
  lr?: number;
  epochs?: number;
  threads?: number;
  clip?: number;
  seed?: number;
  earlyStopping?: number;
  transpose?: number;
  lrDecay?: number;
  stateful?: boolean;
  init?: string;
  resume?: boolean;
  name?: string;
  json?: boolean;
}

export const TRAIN_FLAGS = flagNamer({ batchSize: '--batch', learningRate: '--lr', clipNorm: '--clip' });
const parse = (field: keyof typeof trainInputSchema.shape): ((raw: string) => unknown) => fieldParser(trainInputSchema, field, TRAIN_FLAGS);

/** Commander flags → the train use case's input. */
export function trainInput(flags: TrainFlags): Partial<TrainInput> {
  const { batch, lr, clip, json: _json, ...rest } = flags;
  const input: Record<string, unknown> = { ...rest, batchSize: batch, learningRate: lr, clipNorm: clip };
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
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
    .option('--cell <cell>', `recurrent cell of every layer: ${RECURRENT_CELLS.join(' or ')} (default lstm)`, parse('cell'))
    .option('--layers <sizes>', 'recurrent layer sizes, e.g. 256,256', parse('layers'))
    .option('--embedding <n>', 'embedding size', parse('embedding'))
    .option('--dropout <p>', 'dropout on each recurrent layer output while training, 0 ≤ p < 1', parse('dropout'))
    .option('--seq-len <n>', 'tokens per training window (back-propagation length)', parse('seqLen'))
    .option('--batch <n>', 'windows per batch', parse('batchSize'))
    .option('--lr <x>', 'Adam learning rate', parse('learningRate'))
    .option('--epochs <n>', 'epochs to train', parse('epochs'))
    .option('--threads <n>', 'worker threads (0 = one per core, at most batch/8)', parse('threads'))
    .option('--clip <x>', 'gradient-norm clip (0 = off)', parse('clipNorm'))
    .option('--seed <n>', 'seed: same seed, data and threads give the same model', parse('seed'))
    .option('--early-stopping <n>', 'stop after N epochs without a better validation NLL (0 = off)', parse('earlyStopping'))
    .option('--transpose <n>', 'augmentation: each epoch moves every piece by a random shift within ±N semitones (0 = off)', parse('transpose'))
    .option('--lr-decay <x>', 'multiply the learning rate by x after an epoch without a better validation NLL (default 1 = constant)', parse('lrDecay'))
    .option('--stateful', "carry each batch row's recurrent state from window to window through whole pieces (stateful truncated BPTT)")
    .option('--no-stateful', 'start every window from a zero state (overrides a preset)')
    .option('--init <model>', "start from this model's weights and architecture (fine-tuning)")
    .option('--resume', 'continue from <out>/checkpoint')
    .option('--name <name>', 'model name for the card (default: the folder name)')
    .option('--json', 'print one JSON summary on stdout')
    .action(
      withFlagNames(TRAIN_FLAGS, async (flags: TrainFlags) => {
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
          const summary = await train(trainInput(flags), {
            signal: controller.signal,
            onProgress: (p) => reporter.progress(p),
            onEpoch: (e) => reporter.epoch(e),
            onNote: (line) => process.stderr.write(`${line}\n`),
          });
          reporter.stop();
          if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
          else if (summary.reason === 'interrupted')
            console.log(`interrupted: checkpoint saved in ${path.join(summary.out, 'checkpoint')}; continue with --resume`);
          else {
            console.log(
              `trained ${summary.epochs} epoch(s) (${summary.reason}) in ${summary.seconds}s; best validation NLL ${summary.validationNll?.toFixed(4) ?? 'n/a'}; model in ${summary.out}`,
            );
            console.log(`compose checks pieces against the training data once indexed: rhythmix model index-originality ${summary.out}`);
          }
        } finally {
          reporter.stop();
          process.off('SIGINT', onSigint);
        }
      }),
    );
}
