import { Command, CommanderError } from 'commander';
import { RhythmixError, errorMessage } from '../util/errors.js';
import { registerCommands } from './commands/index.js';

export function buildProgram(): Command {
  const program = new Command('rhythmix')
    .description('Compose music with a stacked-LSTM model — command line and Discord bot')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError();
  registerCommands(program);
  return program;
}

/** Runs the CLI; every failure ends as one line on stderr and a non-zero exit code. */
export async function main(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (error instanceof RhythmixError) {
      console.error(`rhythmix: ${error.message}`);
      process.exitCode = error.exitCode;
      return;
    }
    console.error(`rhythmix: internal error: ${errorMessage(error)}`);
    if (process.env.RHYTHMIX_DEBUG) console.error(error);
    process.exitCode = 1;
  }
}
