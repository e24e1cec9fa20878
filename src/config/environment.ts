/** The process environment and what child processes get of it (no zod: workers load this). */
import { withLongRunningMalloc } from '../util/malloc-tunables.js';
import type { Environment } from './env-file.js';

/** The names whose values must never be printed or handed to a child process. */
export const SECRET_VARIABLES = ['DISCORD_TOKEN'] as const;

/** The process's environment, for lookups that need it whole (PATH for tools, a child's environment). */
export function processEnvironment(): Environment {
  return process.env;
}

/**
 * The environment for heavy child processes: the parent's minus secrets (heavy work never needs
 * the Discord token), with huge pages for malloc — a render's PCM (23 MB a minute) is then mapped
 * with a few page faults instead of thousands, about 10 % faster renders on a VM (docs/rendering.md) —
 * and few malloc arenas, since a warm worker lives as long as the bot (src/util/malloc-tunables.ts).
 */
export function childProcessEnvironment(env: Environment = processEnvironment()): NodeJS.ProcessEnv {
  const child = withLongRunningMalloc({ ...env });
  for (const name of SECRET_VARIABLES) delete child[name];
  return child;
}
