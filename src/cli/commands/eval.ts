/**
 * `rhythmix eval --model M --data SPEC [--split test] [--json]`: negative
 * log-likelihood of a model on a data set (jsb, nottingham, game or a folder
 * of MIDI files): frame_nll (nats per quarter-note frame) and token_nll. A thin adapter over the
 * evaluate use case (src/app/evaluate.ts).
 */
import type { Command } from 'commander';
import { evaluate, evaluateInputSchema } from '../../app/evaluate.js';
import { SPLITS } from '../../datasets/dataset.js';
import { fieldParser, flagNamer, withFlagNames } from '../flags.js';

export const EVAL_FLAGS = flagNamer();

interface EvalFlags {
  model: string;
  data: string;
  split?: string;
  style?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('Negative log-likelihood of a model on a data set: per quarter-note frame and per token, in nats')
    .requiredOption('--model <name|path>', 'model name (models/<name>/) or folder')
    .requiredOption(
      '--data <spec>',
      'jsb, jsb-frames, jsb16, nottingham, game, or a folder of MIDI files (jsb is read the way the model was trained to read it)',
    )
    .option('--split <split>', `split where the data set has them: ${SPLITS.join(', ')}`, fieldParser(evaluateInputSchema, 'split', EVAL_FLAGS))
    .option('--style <style>', 'style of a MIDI folder (when its path does not tell)')
    .option('--json', 'print one JSON document {frame_nll, token_nll, grammar_masked, unmasked_frame_nll, unmasked_token_nll, pieces, tokens, frames}')
    .action(
      withFlagNames(EVAL_FLAGS, async (flags: EvalFlags) => {
        const { json, ...input } = flags;
        const result = await evaluate(input);
        if (json) {
          process.stdout.write(`${JSON.stringify(result)}\n`);
          return;
        }
        console.log(
          `${result.data}${result.split ? ` ${result.split}` : ''}: ${result.pieces} pieces, ${result.tokens} tokens, ${result.frames} quarter-note frames`,
        );
        console.log(
          `frame NLL ${result.frame_nll.toFixed(4)} nats/frame, token NLL ${result.token_nll.toFixed(4)} nats/token (as sampled: grammar-masked softmax)`,
        );
        console.log(`raw softmax: frame NLL ${result.unmasked_frame_nll.toFixed(4)}, token NLL ${result.unmasked_token_nll.toFixed(4)}`);
        if (result.skipped.length > 0)
          console.log(
            `skipped ${result.skipped.length} piece(s): ${result.skipped
              .slice(0, 3)
              .map((s) => `${s.id} (${s.reason})`)
              .join('; ')}`,
          );
      }),
    );
}
