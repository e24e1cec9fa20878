import type { Command } from 'commander';

/** One line per subcommand module; each exports `register(program)`. */
const modules: ReadonlyArray<{ register(program: Command): void }> = [];

export function registerCommands(program: Command): void {
  for (const module of modules) module.register(program);
}
