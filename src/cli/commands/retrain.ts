/**
 * `rhythmix retrain [--model M] [--data SPEC,…] [--guild ID] [--epochs N] [--steps N] [--lr X] [--samples N]
 *  [--no-activate] [--in-process] [--json]`: one round of the feedback loop — the ratings in the
 * database fine-tune the current model; the guardrail accepts (and switches to) or rejects the
 * candidate. Runs in a child process at low priority unless --in-process. A thin adapter over the
 * retrain use case (src/app/retrain.ts): flags → its input → the outcome printed.
 */
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { loadCliConfig } from '../../config/index.js';
import { openDatabase } from '../../db/index.js';
import { retrain, retrainInputSchema, type RetrainInput, type RetrainOutcome, type RetrainProgress } from '../../app/retrain.js';
import { retrainInChild } from '../../feedback/retrain-child.js';
import { fineTuneSettingsSchema } from '../../feedback/retrain.js';
import { modelsDirectory } from '../../model/model-files.js';
import { parseInput } from '../../util/parse-input.js';
import { fieldParser, flagNamer, withFlagNames } from '../flags.js';

interface RetrainFlags {
  model?: string;
  data?: string[];
  guild?: string;
  epochs?: number;
  steps?: number;
  lr?: number;
  samples?: number;
  threads?: number;
  excludeUser?: string[];
  activate?: boolean;
  inProcess?: boolean;
  json?: boolean;
}

export const RETRAIN_FLAGS = flagNamer({
  baseModel: '--model',
  guildId: '--guild',
  excludeUserIds: '--exclude-user',
  learningRate: '--lr',
  maxSteps: '--steps',
});
const parseSetting = (field: keyof typeof fineTuneSettingsSchema.shape): ((raw: string) => unknown) =>
  fieldParser(fineTuneSettingsSchema, field, RETRAIN_FLAGS);

/** Commander flags → the retrain use case's input (checked there as a whole). */
export function retrainInput(flags: RetrainFlags): RetrainInput {
  const settings = Object.fromEntries(
    Object.entries({ epochs: flags.epochs, maxSteps: flags.steps, learningRate: flags.lr, samples: flags.samples, threads: flags.threads }).filter(
      ([, v]) => v !== undefined,
    ),
  );
  return {
    ...(flags.model ? { baseModel: flags.model } : {}),
    ...(flags.data ? { data: flags.data } : {}),
    ...(flags.guild !== undefined ? { guildId: flags.guild } : {}),
    ...(flags.excludeUser ? { excludeUserIds: flags.excludeUser } : {}),
    settings,
    activate: flags.activate !== false,
  };
}

/** Progress on stderr: a bar in a terminal, else one line per stage. */
export function retrainReporter(json: boolean | undefined): { update(p: RetrainProgress): void; stop(): void } {
  if (process.stderr.isTTY && !json) {
    const bar = new cliProgress.SingleBar(
      { stream: process.stderr, format: 'retrain [{bar}] {percentage}% | {message}', hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(100, 0, { message: 'starting' });
    return { update: (p) => bar.update(Math.round(p.fraction * 100), { message: p.message }), stop: () => bar.stop() };
  }
  let stage = '';
  let last = 0;
  return {
    update(p) {
      const now = Date.now();
      if (p.stage === stage && now - last < 10_000) return;
      stage = p.stage;
      last = now;
      process.stderr.write(`retrain ${Math.round(p.fraction * 100)}%: ${p.message}\n`);
    },
    stop: () => undefined,
  };
}

export function describeOutcome(outcome: RetrainOutcome): string {
  if (outcome.status === 'skipped') return `nothing to retrain: ${outcome.reason}`;
  const head =
    outcome.status === 'accepted' ? `accepted ${outcome.version}${outcome.activated ? ' (now the current model)' : ''}` : `rejected ${outcome.version}`;
  return `${head} — fine-tuned from ${outcome.parent} on ${outcome.likedPieces} liked piece(s), ${outcome.ratingsUsed} rating(s); ${outcome.reason}`;
}

export function register(program: Command): void {
  program
    .command('retrain')
    .description('Fine-tune the current model on the rated pieces in the database (guardrail: ≤ 5 % worse validation NLL, sample statistics in range)')
    .option('--model <name|path>', 'model to fine-tune (default: the current model)')
    .option(
      '--data <specs>',
      'original data for replay and the guardrail: shard folder(s) or jsb, nottingham, game (comma-separated; default from the model card)',
      fieldParser(retrainInputSchema, 'data', RETRAIN_FLAGS),
    )
    .option('--guild <id>', "fine-tune a guild's own variant from that guild's ratings only")
    .option('--epochs <n>', 'passes over the fine-tuning data (default 10)', parseSetting('epochs'))
    .option('--steps <n>', 'most optimizer steps (default 80)', parseSetting('maxSteps'))
    .option('--lr <x>', 'learning rate (default 0.0001)', parseSetting('learningRate'))
    .option('--samples <n>', 'samples the guardrail checks (default 16)', parseSetting('samples'))
    .option('--threads <n>', 'kept for scripts; the fine-tune runs in one thread (its own low-priority process)', parseSetting('threads'))
    .option('--exclude-user <id...>', 'user ids whose reactions do not count (e.g. the bot itself)')
    .option('--no-activate', 'keep an accepted candidate without switching to it')
    .option('--in-process', 'train in this process instead of a low-priority child process')
    .option('--json', 'print the outcome as one JSON document')
    .action(
      withFlagNames(RETRAIN_FLAGS, async (flags: RetrainFlags) => {
        const config = loadCliConfig();
        // Checked here as well as in the child: a bad flag fails before a process starts.
        const input = parseInput(retrainInputSchema, retrainInput(flags), 'retrain options');
        const reporter = retrainReporter(flags.json);
        const controller = new AbortController();
        const onSigint = (): void => controller.abort();
        process.once('SIGINT', onSigint);
        let outcome: RetrainOutcome;
        try {
          if (flags.inProcess) {
            const db = await openDatabase(config.databaseUrl);
            try {
              outcome = await retrain(input, {
                prisma: db.prisma,
                weights: config.ratingWeights,
                signal: controller.signal,
                onProgress: (p) => reporter.update(p),
              });
            } finally {
              await db.close();
            }
          } else {
            outcome = await retrainInChild(
              { databaseUrl: config.databaseUrl, modelsDir: path.resolve(modelsDirectory()), weights: [...config.ratingWeights], ...input },
              { onProgress: (p) => reporter.update(p), signal: controller.signal },
            );
          }
        } finally {
          reporter.stop();
          process.off('SIGINT', onSigint);
        }
        if (flags.json) process.stdout.write(`${JSON.stringify(outcome)}\n`);
        else console.log(describeOutcome(outcome));
      }),
    );
}
