/**
 * `rhythmix feedback simulate [--json]`: the feedback-loop experiment with a simulated rater
 * (the simulate use case, src/app/simulate.ts). JSON keys: liked_before, liked_after, nll_before, nll_after.
 */
import type { Command } from 'commander';
import { simulate, simulateInputSchema, TASTES } from '../../app/simulate.js';
import { fineTuneSettingsSchema } from '../../feedback/retrain.js';
import { fieldParser, flagNamer, withFlagNames } from '../flags.js';

interface SimulateFlags {
  model?: string;
  data?: string[];
  taste: string;
  rounds: number;
  samples: number;
  evalSamples: number;
  bars: number;
  epochs?: number;
  steps?: number;
  lr?: number;
  copies?: number;
  replay?: number;
  method?: string;
  selection?: string;
  beta?: number;
  nllWeight?: number;
  budgetShare?: number;
  holdout?: number;
  credit?: string;
  creditThreshold?: number;
  creditBoost?: number;
  creditOn?: string;
  checkpointSpacing?: string;
  seed: number;
  work?: string;
  json?: boolean;
}

export const SIMULATE_FLAGS = flagNamer({
  learningRate: '--lr',
  maxSteps: '--steps',
  maxCopies: '--copies',
  replayRatio: '--replay',
  dpoBeta: '--beta',
  preferenceHoldout: '--holdout',
  workDir: '--work',
});
const parse = (field: keyof typeof simulateInputSchema.shape): ((raw: string) => unknown) => fieldParser(simulateInputSchema, field, SIMULATE_FLAGS);
const parseSetting = (field: keyof typeof fineTuneSettingsSchema.shape): ((raw: string) => unknown) =>
  fieldParser(fineTuneSettingsSchema, field, SIMULATE_FLAGS);

/** rhythmix-base (three styles, 10× the validation data) needs ~3 minutes a round here; the experiment uses the small model. */
const SIMULATION_MODEL = 'jsb-bench';

export function register(program: Command): void {
  const feedback = program.command('feedback').description('The human feedback loop: experiments');
  feedback
    .command('simulate')
    .description('A simulated rater with a hidden taste over rounds of generate → rate → retrain; liked fraction and validation NLL before and after')
    .option('--model <name|path>', 'base model (default: jsb-bench, the small single-style model: five rounds fit in 10 minutes on 2 cores)')
    .option('--data <specs>', 'original data (shard folder or jsb, nottingham, game; default from the model card)', parse('data'))
    .option('--taste <name>', `hidden taste: ${Object.keys(TASTES).join(', ')}`, 'high')
    .option('--rounds <n>', 'rounds of generate → rate → retrain', parse('rounds'), 5)
    .option('--samples <n>', 'pieces rated per round', parse('samples'), 24)
    .option('--eval-samples <n>', "pieces of the fixed evaluation set (and of the rater's calibration)", parse('evalSamples'), 192)
    .option('--bars <n>', 'bars per piece', parse('bars'), 8)
    .option('--epochs <n>', 'passes over the fine-tuning data per round', parseSetting('epochs'))
    .option('--steps <n>', 'most optimizer steps per round', parseSetting('maxSteps'))
    .option('--lr <x>', 'fine-tuning learning rate', parseSetting('learningRate'))
    .option('--copies <n>', 'most copies of one liked piece', parseSetting('maxCopies'))
    .option('--replay <ratio>', 'share of original data in each fine-tune (0..0.95)', parseSetting('replayRatio'))
    .option(
      '--method <rwl|dpo>',
      'fine-tuning objective: reward-weighted likelihood, or with DPO on liked/disliked pairs (default dpo)',
      parseSetting('method'),
    )
    .option('--selection <mix|nll>', "how a round's epoch is chosen: taste and NLL mixed, or the lowest NLL (default mix)", parseSetting('selection'))
    .option('--beta <x>', "DPO's β", parseSetting('dpoBeta'))
    .option('--nll-weight <x>', 'nats of liked-vs-disliked gain one nat of held-out NLL is worth in the choice', parseSetting('nllWeight'))
    .option('--budget-share <x>', 'share of the NLL budget its parent left that one round may spend (0..1]', parseSetting('budgetShare'))
    .option('--holdout <share>', 'share of the rated pieces held out of training to measure the preference on (0..0.5)', parseSetting('preferenceHoldout'))
    .option(
      '--credit <sequence|tokens|boosted>',
      "a DPO pair's tokens: all of both pieces, only those the ratings credit to its side, or all with those weighing more (default boosted)",
      parseSetting('credit'),
    )
    .option('--credit-boost <x>', 'extra weight of a credited token (--credit boosted; default 4)', parseSetting('creditBoost'))
    .option('--credit-on <all|timing>', 'which tokens can be credited: any, or only those that place notes in time (default timing)', parseSetting('creditOn'))
    .option(
      '--credit-threshold <nats>',
      "log-odds a token's context needs to be credited (--credit tokens|boosted; default 1)",
      parseSetting('creditThreshold'),
    )
    .option(
      '--checkpoint-spacing <even|early>',
      "where a round's checkpoints are measured: evenly, or two early then evenly",
      parseSetting('checkpointSpacing'),
    )
    .option('--seed <n>', 'seed', parse('seed'), 1)
    .option('--work <dir>', 'keep the scratch models and database in this folder')
    .option('--json', 'print {liked_before, liked_after, nll_before, nll_after}')
    .action(
      withFlagNames(SIMULATE_FLAGS, async (flags: SimulateFlags) => {
        const settings = Object.fromEntries(
          Object.entries({
            epochs: flags.epochs,
            maxSteps: flags.steps,
            learningRate: flags.lr,
            maxCopies: flags.copies,
            replayRatio: flags.replay,
            method: flags.method,
            selection: flags.selection,
            dpoBeta: flags.beta,
            nllWeight: flags.nllWeight,
            budgetShare: flags.budgetShare,
            preferenceHoldout: flags.holdout,
            credit: flags.credit,
            creditThreshold: flags.creditThreshold,
            creditBoost: flags.creditBoost,
            creditOn: flags.creditOn,
            checkpointSpacing: flags.checkpointSpacing,
          }).filter(([, v]) => v !== undefined),
        );
        const result = await simulate(
          {
            model: flags.model ?? SIMULATION_MODEL,
            ...(flags.data ? { data: flags.data } : {}),
            taste: flags.taste,
            rounds: flags.rounds,
            samples: flags.samples,
            evalSamples: flags.evalSamples,
            bars: flags.bars,
            seed: flags.seed,
            settings,
            ...(flags.work ? { workDir: flags.work } : {}),
          },
          // Progress goes to stderr, so --json keeps stdout to the one document.
          { onProgress: (message) => process.stderr.write(`${message}\n`) },
        );
        if (flags.json) {
          const { liked_before, liked_after, nll_before, nll_after } = result;
          process.stdout.write(`${JSON.stringify({ liked_before, liked_after, nll_before, nll_after })}\n`);
          return;
        }
        const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
        console.log(
          `taste: ${TASTES[result.taste].description} (threshold ${result.threshold.toFixed(2)}), ${result.rounds.length} rounds, ${Math.round(result.seconds)} s`,
        );
        console.log(
          `liked fraction: ${pct(result.liked_before)} → ${pct(result.liked_after)} (${((result.liked_after - result.liked_before) * 100).toFixed(1)} points)`,
        );
        console.log(
          `validation NLL: ${result.nll_before.toFixed(4)} → ${result.nll_after.toFixed(4)} (${((result.nll_after / result.nll_before - 1) * 100).toFixed(1)} %)`,
        );
      }),
    );
}
