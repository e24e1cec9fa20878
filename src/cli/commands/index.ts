import type { Command } from 'commander';
import * as bench from './bench.js';
import * as bot from './bot.js';
import * as compose from './compose.js';
import * as dataset from './dataset.js';
import * as db from './db.js';
import * as deployCommands from './deploy-commands.js';
import * as evaluate from './eval.js';
import * as feedback from './feedback.js';
import * as harmonize from './harmonize.js';
import * as inspect from './inspect.js';
import * as model from './model.js';
import * as retrain from './retrain.js';
import * as train from './train.js';
import * as render from './render.js';
import * as report from './report.js';
import * as web from './web.js';
import * as worker from './worker.js';

/** One line per subcommand module; each exports `register(program)`. */
const modules: ReadonlyArray<{ register(program: Command): void }> = [
  bench,
  // after bench: `bench render` joins the existing `bench` command
  render,
  compose,
  harmonize,
  dataset,
  db,
  evaluate,
  inspect,
  report,
  model,
  retrain,
  feedback,
  train,
  bot,
  worker,
  deployCommands,
  web,
];

export function registerCommands(program: Command): void {
  for (const module of modules) module.register(program);
}
