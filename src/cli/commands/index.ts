import type { Command } from 'commander';
import * as bench from './bench.js';
import * as compose from './compose.js';
import * as dataset from './dataset.js';
import * as evaluate from './eval.js';
import * as inspect from './inspect.js';
import * as train from './train.js';
import * as render from './render.js';

/** One line per subcommand module; each exports `register(program)`. */
const modules: ReadonlyArray<{ register(program: Command): void }> = [
  bench,
  // after bench: `bench render` joins the existing `bench` command
  render,
  compose,
  dataset,
  evaluate,
  inspect,
  train,
];

export function registerCommands(program: Command): void {
  for (const module of modules) module.register(program);
}
