import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { debugSetting } from '../config/settings.js';
import { RhythmixError, errorMessage } from '../util/errors.js';
import { registerCommands } from './commands/index.js';
import { flagNamer } from './flags.js';

/** The version in package.json: src/cli/ and dist/cli/ both sit two folders below it. */
export function programVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : '0.0.0';
}

export function buildProgram(): Command {
  const program = new Command('rhythmix')
    .description('Compose music with a stacked-LSTM model — command line and Discord bot')
    .version(programVersion())
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
      // Commands word their own flags (withFlagNames); the rest get the plain `--kebab-case`.
      console.error(`rhythmix: ${error.worded(flagNamer())}`);
      process.exitCode = error.exitCode;
      return;
    }
    console.error(`rhythmix: internal error: ${errorMessage(error)}`);
    if (debugSetting()) console.error(error);
    process.exitCode = 1;
  }
}
