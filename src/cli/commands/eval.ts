/**
 * `rhythmix eval --model M --data SPEC [--split test] [--json]`: negative
 * log-likelihood of a model on a data set (jsb, nottingham, game or a folder
 * of MIDI files): frame_nll (nats per quarter-note frame) and token_nll.
 */
import type { Command } from 'commander';
import { SPLITS, type Split } from '../../datasets/dataset.js';
import { openDataset } from '../../datasets/spec.js';
import { parseStyle } from '../../music/styles.js';
import { loadModel } from '../../model/model-files.js';
import { datasetSpecForModel, evaluateModelOnDataset } from '../../train/evaluate-dataset.js';
import { InvalidInputError } from '../../util/errors.js';
import { quoteInput } from '../../util/text.js';

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
    .option('--split <split>', `split where the data set has them: ${SPLITS.join(', ')}`)
    .option('--style <style>', 'style of a MIDI folder (when its path does not tell)')
    .option('--json', 'print one JSON document {frame_nll, token_nll, grammar_masked, unmasked_frame_nll, unmasked_token_nll, pieces, tokens, frames}')
    .action(async (flags: EvalFlags) => {
      let split: Split | undefined;
      if (flags.split !== undefined) {
        split = SPLITS.find((s) => s === flags.split);
        if (!split) throw new InvalidInputError(`unknown split ${quoteInput(flags.split)}: expected one of ${SPLITS.join(', ')}`);
      }
      const model = await loadModel(flags.model);
      const dataset = await openDataset(datasetSpecForModel(flags.data, model), flags.style ? { style: parseStyle(flags.style) } : {});
      const result = await evaluateModelOnDataset(model, dataset, split);
      const summary = { model: model.dir, data: dataset.name, split: split ?? null, ...result };
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        return;
      }
      console.log(`${dataset.name}${split ? ` ${split}` : ''}: ${result.pieces} pieces, ${result.tokens} tokens, ${result.frames} quarter-note frames`);
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
    });
}
