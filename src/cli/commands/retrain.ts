/**
 * `rhythmix retrain [--model M] [--data SPEC,…] [--guild ID] [--epochs N] [--lr X] [--samples N]
 *  [--no-activate] [--in-process] [--json]`: one round of the feedback loop — the ratings in the
 * database fine-tune the current model; the guardrail accepts (and switches to) or rejects the
 * candidate. Runs in a child process at low priority unless --in-process.
 */
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { loadCliConfig } from '../../config/index.js';
import { openDatabase } from '../../db/index.js';
import { retrainInChild } from '../../feedback/retrain-child.js';
import { runRetrain, type FineTuneSettings, type RetrainOutcome, type RetrainProgress } from '../../feedback/retrain.js';
import { modelsDirectory } from '../../model/model-files.js';
import { InvalidInputError } from '../../util/errors.js';

interface RetrainFlags {
  model?: string;
  data?: string;
  guild?: string;
  epochs?: string;
  steps?: string;
  lr?: string;
  samples?: string;
  threads?: string;
  excludeUser?: string[];
  activate?: boolean;
  inProcess?: boolean;
  json?: boolean;
}

function positive(flag: string, raw: string | undefined, integer: boolean): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || (integer ? !Number.isInteger(value) || value < 0 : value <= 0)) {
    throw new InvalidInputError(`${flag} must be ${integer ? 'a whole number' : 'a positive number'}, got "${raw}"`);
  }
  return value;
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
    )
    .option('--guild <id>', "fine-tune a guild's own variant from that guild's ratings only")
    .option('--epochs <n>', 'passes over the fine-tuning data (default 10)')
    .option('--steps <n>', 'most optimizer steps (default 40)')
    .option('--lr <x>', 'learning rate (default 0.0001)')
    .option('--samples <n>', 'samples the guardrail checks (default 16)')
    .option('--threads <n>', 'kept for scripts; the fine-tune runs in one thread (its own low-priority process)')
    .option('--exclude-user <id...>', 'user ids whose reactions do not count (e.g. the bot itself)')
    .option('--no-activate', 'keep an accepted candidate without switching to it')
    .option('--in-process', 'train in this process instead of a low-priority child process')
    .option('--json', 'print the outcome as one JSON document')
    .action(async (flags: RetrainFlags) => {
      const config = loadCliConfig();
      const settings: Partial<FineTuneSettings> = {};
      const epochs = positive('--epochs', flags.epochs, true);
      const steps = positive('--steps', flags.steps, true);
      const lr = positive('--lr', flags.lr, false);
      const samples = positive('--samples', flags.samples, true);
      const threads = positive('--threads', flags.threads, true);
      if (epochs !== undefined) settings.epochs = Math.max(1, epochs);
      if (steps !== undefined) settings.maxSteps = Math.max(1, steps);
      if (lr !== undefined) settings.learningRate = lr;
      if (samples !== undefined) settings.samples = Math.max(1, samples);
      if (threads !== undefined) settings.threads = threads;
      if (flags.guild !== undefined && !/^[\w-]{1,40}$/.test(flags.guild)) throw new InvalidInputError(`--guild must be a guild id, got "${flags.guild}"`);
      const data = flags.data
        ?.split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      const common = {
        ...(flags.model ? { baseModel: flags.model } : {}),
        ...(data && data.length > 0 ? { data } : {}),
        ...(flags.guild ? { guildId: flags.guild } : {}),
        ...(flags.excludeUser ? { excludeUserIds: flags.excludeUser } : {}),
        settings,
        activate: flags.activate !== false,
      };
      const reporter = retrainReporter(flags.json);
      const controller = new AbortController();
      const onSigint = (): void => controller.abort();
      process.once('SIGINT', onSigint);
      let outcome: RetrainOutcome;
      try {
        if (flags.inProcess) {
          const db = await openDatabase(config.databaseUrl);
          try {
            outcome = await runRetrain({
              prisma: db.prisma,
              weights: config.ratingWeights,
              ...common,
              signal: controller.signal,
              onProgress: (p) => reporter.update(p),
            });
          } finally {
            await db.close();
          }
        } else {
          outcome = await retrainInChild(
            { databaseUrl: config.databaseUrl, modelsDir: path.resolve(modelsDirectory()), weights: [...config.ratingWeights], ...common },
            { onProgress: (p) => reporter.update(p), signal: controller.signal },
          );
        }
      } finally {
        reporter.stop();
        process.off('SIGINT', onSigint);
      }
      if (flags.json) process.stdout.write(`${JSON.stringify(outcome)}\n`);
      else console.log(describeOutcome(outcome));
    });
}
