import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The variables configuration is read from. With no `env` given, `.env` (when present) is loaded
 * into process.env with process.loadEnvFile, so everything in the process (and its children)
 * sees the same values; variables already set in the environment win, as with `node --env-file`.
 * With an explicit `env` (tests, embedding) the file's values are merged beneath it instead and
 * process.env is left alone.
 */
export function readEnvironment(options: { env?: Environment; envFile?: string | false } = {}): Environment {
  const file = options.envFile === undefined ? '.env' : options.envFile;
  const present = file !== false && existsSync(file);
  if (!options.env) {
    if (present) process.loadEnvFile(file);
    return process.env;
  }
  if (!present) return options.env;
  const fromFile = parseEnv(readFileSync(file, 'utf8'));
  return { ...fromFile, ...definedOnly(options.env) };
}

function definedOnly(env: Environment): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
