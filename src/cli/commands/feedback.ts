/**
 * `rhythmix feedback simulate [--json]`: the feedback-loop experiment with a simulated rater
 * (see src/feedback/simulate.ts). JSON keys: liked_before, liked_after, nll_before, nll_after.
 */
import type { Command } from 'commander';
import { simulateFeedback, TASTES, type TasteName } from '../../feedback/simulate.js';
import type { FineTuneSettings } from '../../feedback/retrain.js';
import { InvalidInputError } from '../../util/errors.js';

interface SimulateFlags {
  model?: string;
  data?: string;
  taste: string;
  rounds: string;
  samples: string;
  evalSamples: string;
  bars: string;
  epochs?: string;
  steps?: string;
  lr?: string;
  copies?: string;
  replay?: string;
  method?: string;
  selection?: string;
  beta?: string;
  nllWeight?: string;
  seed: string;
  work?: string;
  json?: boolean;
}

function num(flag: string, raw: string | undefined, check: (v: number) => boolean, expected: string): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || !check(value)) throw new InvalidInputError(`${flag} must be ${expected}, got "${raw}"`);
  return value;
}
const wholeAtLeast =
  (min: number) =>
  (v: number): boolean =>
    Number.isInteger(v) && v >= min;

/** rhythmix-base (three styles, 10× the validation data) needs ~3 minutes a round here; the experiment uses the small model. */
const SIMULATION_MODEL = 'jsb-bench';

export function register(program: Command): void {
  const feedback = program.command('feedback').description('The human feedback loop: experiments');
  feedback
    .command('simulate')
    .description('A simulated rater with a hidden taste over rounds of generate → rate → retrain; liked fraction and validation NLL before and after')
    .option('--model <name|path>', 'base model (default: jsb-bench, the small single-style model: five rounds fit in 10 minutes on 2 cores)')
    .option('--data <specs>', 'original data (shard folder or jsb, nottingham, game; default from the model card)')
    .option('--taste <name>', `hidden taste: ${Object.keys(TASTES).join(', ')}`, 'high')
    .option('--rounds <n>', 'rounds of generate → rate → retrain', '5')
    .option('--samples <n>', 'pieces rated per round', '24')
    .option('--eval-samples <n>', 'pieces of the fixed evaluation set', '48')
    .option('--bars <n>', 'bars per piece', '8')
    .option('--epochs <n>', 'passes over the fine-tuning data per round')
    .option('--steps <n>', 'most optimizer steps per round')
    .option('--lr <x>', 'fine-tuning learning rate')
    .option('--copies <n>', 'most copies of one liked piece')
    .option('--replay <ratio>', 'share of original data in each fine-tune (0..0.95)')
    .option('--method <rwl|dpo>', 'fine-tuning objective: reward-weighted likelihood, or with DPO on liked/disliked pairs (default dpo)')
    .option('--selection <mix|nll>', "how a round's epoch is chosen: taste and NLL mixed, or the lowest NLL (default mix)")
    .option('--beta <x>', "DPO's β")
    .option('--nll-weight <x>', 'nats of liked-vs-disliked gain one nat of held-out NLL is worth in the choice')
    .option('--seed <n>', 'seed', '1')
    .option('--work <dir>', 'keep the scratch models and database in this folder')
    .option('--json', 'print {liked_before, liked_after, nll_before, nll_after}')
    .action(async (flags: SimulateFlags) => {
      if (!(flags.taste in TASTES)) throw new InvalidInputError(`--taste must be one of ${Object.keys(TASTES).join(', ')}, got "${flags.taste}"`);
      const settings: Partial<FineTuneSettings> = {};
      const epochs = num('--epochs', flags.epochs, wholeAtLeast(1), 'a whole number ≥ 1');
      const steps = num('--steps', flags.steps, wholeAtLeast(1), 'a whole number ≥ 1');
      const lr = num('--lr', flags.lr, (v) => v > 0, 'a positive number');
      const copies = num('--copies', flags.copies, wholeAtLeast(1), 'a whole number ≥ 1');
      const replay = num('--replay', flags.replay, (v) => v >= 0 && v <= 0.95, 'a number from 0 to 0.95');
      if (epochs !== undefined) settings.epochs = epochs;
      if (steps !== undefined) settings.maxSteps = steps;
      if (lr !== undefined) settings.learningRate = lr;
      if (copies !== undefined) settings.maxCopies = copies;
      if (replay !== undefined) settings.replayRatio = replay;
      if (flags.method !== undefined) {
        if (flags.method !== 'rwl' && flags.method !== 'dpo') throw new InvalidInputError(`--method must be rwl or dpo, got "${flags.method}"`);
        settings.method = flags.method;
      }
      if (flags.selection !== undefined) {
        if (flags.selection !== 'mix' && flags.selection !== 'nll') throw new InvalidInputError(`--selection must be mix or nll, got "${flags.selection}"`);
        settings.selection = flags.selection;
      }
      const beta = num('--beta', flags.beta, (v) => v > 0, 'a positive number');
      const nllWeight = num('--nll-weight', flags.nllWeight, (v) => v >= 0, 'a number ≥ 0');
      if (beta !== undefined) settings.dpoBeta = beta;
      if (nllWeight !== undefined) settings.nllWeight = nllWeight;
      const data = flags.data
        ?.split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      const result = await simulateFeedback({
        model: flags.model ?? SIMULATION_MODEL,
        ...(data && data.length > 0 ? { data } : {}),
        taste: flags.taste as TasteName,
        rounds: num('--rounds', flags.rounds, wholeAtLeast(1), 'a whole number ≥ 1')!,
        samples: num('--samples', flags.samples, wholeAtLeast(2), 'a whole number ≥ 2')!,
        evalSamples: num('--eval-samples', flags.evalSamples, wholeAtLeast(4), 'a whole number ≥ 4')!,
        bars: num('--bars', flags.bars, wholeAtLeast(1), 'a whole number ≥ 1')!,
        seed: num('--seed', flags.seed, Number.isInteger, 'a whole number')!,
        settings,
        ...(flags.work ? { workDir: flags.work } : {}),
        // Progress goes to stderr, so --json keeps stdout to the one document.
        onProgress: (message) => process.stderr.write(`${message}\n`),
      });
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
    });
}
