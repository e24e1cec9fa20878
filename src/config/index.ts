/**
 * Configuration from the environment and `.env`. The CLI needs nothing set; the bot needs
 * DISCORD_TOKEN and DISCORD_APP_ID. Problems are reported all at once, one line each.
 */
import type { z } from 'zod';
import { addLogSecret } from '../util/logger.js';
import { ConfigError, problemLines } from './errors.js';
import { readEnvironment, type Environment } from './env-file.js';
import { botEnvSchema, cliEnvSchema, type BotConfig, type CliConfig } from './schema.js';

export { readEnvironment, type Environment } from './env-file.js';
export {
  botEnvSchema,
  cliEnvSchema,
  defaultConcurrency,
  DEFAULT_WEB_HOST,
  DEFAULT_WEB_PORT,
  ENVIRONMENT_VARIABLES,
  LOG_LEVELS,
  SECRET_VARIABLES,
  type BotConfig,
  type CliConfig,
  type LogLevel,
} from './schema.js';
export { DEFAULT_RATING_EMOJIS, normalizeEmoji, parseRatingEmojis, ratingWeights, type RatingEmoji, type RatingWeights } from './rating-emojis.js';
export { parseRetrainSchedule, type RetrainSchedule } from './retrain-schedule.js';
export * from './settings.js';

export { ConfigError } from './errors.js';

export interface LoadConfigOptions {
  /** Variables to read instead of process.env (then process.env is not touched). */
  env?: Environment;
  /** Default `.env` in the working folder; false to ignore any file. */
  envFile?: string | false;
}

/** Configuration for the command line (no Discord credentials needed). */
export function loadCliConfig(options: LoadConfigOptions = {}): CliConfig {
  return parseWith(cliEnvSchema, readEnvironment(options));
}

/** Configuration for the bot: also DISCORD_TOKEN and DISCORD_APP_ID. */
export function loadBotConfig(options: LoadConfigOptions = {}): BotConfig {
  const env = readEnvironment(options);
  // Registered before validation: even a malformed token must never be logged.
  addLogSecret(env.DISCORD_TOKEN?.trim().replace(/^["']|["']$/g, ''));
  return parseWith(botEnvSchema, env);
}

function parseWith<T extends z.ZodType>(schema: T, env: Environment): z.output<T> {
  // A password in REDIS_URL (redis://:PASSWORD@host) never reaches a log line either.
  addLogSecret(redisPassword(env.REDIS_URL));
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(problemLines(result.error));
}

function redisPassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return decodeURIComponent(new URL(url.trim()).password) || undefined;
  } catch {
    return undefined;
  }
}
