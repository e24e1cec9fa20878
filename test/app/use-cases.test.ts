/**
 * Every use case's schema refuses a bad field with an InvalidInputError that names the field;
 * the command line words it with the flag, the bot with the slash option.
 */
import { describe, expect, it } from 'vitest';
import { checkComposeInput, parseComposeInput } from '../../src/app/compose.js';
import { evaluate } from '../../src/app/evaluate.js';
import { render } from '../../src/app/render.js';
import { runReport } from '../../src/app/report.js';
import { retrain, type RetrainContext } from '../../src/app/retrain.js';
import { simulate } from '../../src/app/simulate.js';
import { train } from '../../src/app/train.js';
import { discordFieldName } from '../../src/bot/field-names.js';
import { COMPOSE_FLAGS } from '../../src/cli/commands/compose.js';
import { EVAL_FLAGS } from '../../src/cli/commands/eval.js';
import { SIMULATE_FLAGS } from '../../src/cli/commands/feedback.js';
import { RENDER_FLAGS } from '../../src/cli/commands/render.js';
import { REPORT_FLAGS } from '../../src/cli/commands/report.js';
import { RETRAIN_FLAGS } from '../../src/cli/commands/retrain.js';
import { TRAIN_FLAGS } from '../../src/cli/commands/train.js';
import { InvalidInputError, type FieldNamer } from '../../src/util/errors.js';

/** The InvalidInputError a call fails with (the test fails if it succeeds or throws anything else). */
async function refusal(call: () => unknown): Promise<InvalidInputError> {
  const error = await Promise.resolve()
    .then(call)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(error).toBeInstanceOf(InvalidInputError);
  return error as InvalidInputError;
}

interface Case {
  readonly name: string;
  readonly call: () => unknown;
  readonly field: string;
  readonly message: string;
  readonly cli: [FieldNamer, string];
}

/** Nothing is read or written before the input is checked: a context that would fail if used. */
const noDatabase = { prisma: undefined as never, weights: new Map<string, number>() } satisfies RetrainContext;

const cases: Case[] = [
  {
    name: 'compose',
    call: () => parseComposeInput({ topK: -1 }),
    field: 'topK',
    message: 'topK: Too small: expected number to be >=0 (got -1)',
    cli: [COMPOSE_FLAGS, '--top-k: Too small: expected number to be >=0 (got -1)'],
  },
  {
    name: 'render',
    call: () => render({ file: 'song.mid', timeoutSeconds: 0 }),
    field: 'timeoutSeconds',
    message: 'timeoutSeconds: must be a positive number of seconds (got 0)',
    cli: [RENDER_FLAGS, '--timeout: must be a positive number of seconds (got 0)'],
  },
  {
    name: 'evaluate',
    call: () => evaluate({ model: 'jsb-bench', data: 'jsb', split: 'dev' }),
    field: 'split',
    message: 'split: Invalid option: expected one of "train"|"valid"|"test" (got "dev")',
    cli: [EVAL_FLAGS, '--split: Invalid option: expected one of "train"|"valid"|"test" (got "dev")'],
  },
  {
    name: 'train',
    call: () => train({ data: 'shards', out: 'model', batchSize: 0 }),
    field: 'batchSize',
    message: 'batchSize: Too small: expected number to be >0 (got 0)',
    cli: [TRAIN_FLAGS, '--batch: Too small: expected number to be >0 (got 0)'],
  },
  {
    name: 'retrain',
    call: () => retrain({ settings: { learningRate: -1 } }, noDatabase),
    field: 'settings.learningRate',
    message: 'settings.learningRate: Too small: expected number to be >0 (got -1)',
    cli: [RETRAIN_FLAGS, '--lr: Too small: expected number to be >0 (got -1)'],
  },
  {
    name: 'report',
    call: () => runReport({ models: ['jsb-bench'], pieces: 1 }),
    field: 'pieces',
    message: 'pieces: must be a whole number ≥ 2 (got 1)',
    cli: [REPORT_FLAGS, '--pieces: must be a whole number ≥ 2 (got 1)'],
  },
  {
    name: 'simulate',
    call: () => simulate({ settings: { replayRatio: 2 } }),
    field: 'settings.replayRatio',
    message: 'settings.replayRatio: Too big: expected number to be <=0.95 (got 2)',
    cli: [SIMULATE_FLAGS, '--replay: Too big: expected number to be <=0.95 (got 2)'],
  },
  {
    name: 'retrain --steps',
    call: () => retrain({ settings: { maxSteps: 0 } }, noDatabase),
    field: 'settings.maxSteps',
    message: 'settings.maxSteps: Too small: expected number to be >=1 (got 0)',
    cli: [RETRAIN_FLAGS, '--steps: Too small: expected number to be >=1 (got 0)'],
  },
  {
    name: 'simulate --method',
    call: () => simulate({ settings: { method: 'sft' } }),
    field: 'settings.method',
    message: 'settings.method: Invalid option: expected one of "rwl"|"dpo" (got "sft")',
    cli: [SIMULATE_FLAGS, '--method: Invalid option: expected one of "rwl"|"dpo" (got "sft")'],
  },
  {
    name: 'simulate --beta',
    call: () => simulate({ settings: { dpoBeta: 0 } }),
    field: 'settings.dpoBeta',
    message: 'settings.dpoBeta: Too small: expected number to be >0 (got 0)',
    cli: [SIMULATE_FLAGS, '--beta: Too small: expected number to be >0 (got 0)'],
  },
  {
    name: 'simulate --nll-weight',
    call: () => simulate({ settings: { nllWeight: -1 } }),
    field: 'settings.nllWeight',
    message: 'settings.nllWeight: Too small: expected number to be >=0 (got -1)',
    cli: [SIMULATE_FLAGS, '--nll-weight: Too small: expected number to be >=0 (got -1)'],
  },
];

describe('use-case schemas', () => {
  for (const { name, call, field, message, cli } of cases) {
    it(`${name}: a bad field is refused by name, and the command line names its flag`, async () => {
      const error = await refusal(call);
      expect(error.field).toBe(field);
      expect(error.message).toBe(message);
      expect(error.exitCode).toBe(2);
      expect(error.worded(cli[0])).toBe(cli[1]);
    });
  }

  it('refuses a field the use case does not have', async () => {
    const error = await refusal(() => retrain({ guild: '1' }, noDatabase));
    expect(error.field).toBe('guild');
    expect(error.worded(RETRAIN_FLAGS)).toBe('--guild: not an option here');
  });

  it('words fields across a combination for each audience', async () => {
    const error = await refusal(() => parseComposeInput({ bars: 8, seconds: 30 }));
    expect(error.message).toBe('use either bars or seconds, not both');
    expect(error.worded(COMPOSE_FLAGS)).toBe('use either --bars or --seconds, not both');
    expect(error.worded(discordFieldName)).toBe('use either `length`, not both');
  });
});

describe('compose errors in Discord', () => {
  it('names the slash option: sample_seed for samplingSeed, length for bars', async () => {
    const seed = await refusal(() => parseComposeInput({ samplingSeed: 1.5 }));
    expect(seed.worded(discordFieldName)).toBe('`sample_seed`: must be a whole number from 0 to 2147483647 (got 1.5)');
    const length = await refusal(() => checkComposeInput({ seed: 'C4w | D4w | E4w', bars: 2 }));
    expect(length.field).toBe('bars');
    expect(length.worded(discordFieldName)).toBe('the piece would be 2 bar(s) long but the seed already fills 3 — ask for more with `length`');
    expect(length.worded(COMPOSE_FLAGS)).toBe('the piece would be 2 bar(s) long but the seed already fills 3 — ask for more with --bars or --seconds');
  });
});
