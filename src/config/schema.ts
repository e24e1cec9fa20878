/**
 * The environment variables Rhythmix reads, validated with zod. Every problem becomes one line
 * naming the variable and what to set; secret values never appear in a message.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { DEFAULT_RATING_EMOJIS, parseRatingEmojis, ratingWeights } from './rating-emojis.js';
import { parseRetrainSchedule } from './retrain-schedule.js';
import { MIDI_LIMIT_ENV, parseLimitVariable, RENDER_LIMIT_ENV } from './limits.js';

export { MIDI_LIMIT_ENV, RENDER_LIMIT_ENV } from './limits.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const WHERE = 'set it in .env or the environment';

/** Where ratings, takes and jobs are kept when DATABASE_URL is unset (src/db resolves it). */
export const DEFAULT_DATABASE_URL = 'file:./data/rhythmix.db';

/** The web server listens here unless told otherwise: this machine only. */
export const DEFAULT_WEB_HOST = '127.0.0.1';
/** `rhythmix web` without --port or WEB_PORT. */
export const DEFAULT_WEB_PORT = 8080;

export const POSTGRESQL_URL_EXAMPLE = 'postgresql://rhythmix:PASSWORD@localhost:5432/rhythmix';

/** `postgresql://` and `postgres://` URLs select PostgreSQL; anything else is an SQLite file. */
export function isPostgresqlUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url.trim());
}

/** Why `url` names no database Rhythmix can use (the secret-free part of the message), or undefined. */
function databaseUrlProblem(url: string): string | undefined {
  if (isPostgresqlUrl(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return 'got a postgresql URL that does not parse';
    }
    if (parsed.hostname === '' && !parsed.searchParams.has('host')) return 'got a postgresql URL without a host';
    if (parsed.pathname.replace(/^\//, '') === '') return 'got a postgresql URL without a database name';
    return undefined;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !url.startsWith('file:')) return `got a ${url.split(':')[0]} URL`;
  return undefined;
}

/** Unset and empty (`FOO=` in .env) mean the same: use the default. */
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

function requiredSecret(name: string, hint: string) {
  return optionalText.transform((value, ctx) => {
    if (value === undefined) {
      ctx.addIssue({ code: 'custom', message: `${name} is missing — ${WHERE} (${hint})` });
      return z.NEVER;
    }
    if (/[\s"']/.test(value)) {
      ctx.addIssue({ code: 'custom', message: `${name} contains spaces or quotes — paste the value alone (${hint})` });
      return z.NEVER;
    }
    return value;
  });
}

function snowflake(name: string, hint: string, required: boolean) {
  return optionalText.transform((value, ctx) => {
    if (value === undefined) {
      if (required) ctx.addIssue({ code: 'custom', message: `${name} is missing — ${WHERE} (${hint})` });
      return required ? z.NEVER : undefined;
    }
    if (!/^\d{1,20}$/.test(value)) {
      ctx.addIssue({ code: 'custom', message: `${name} must be a numeric Discord id (${hint}), got "${value.slice(0, 40)}"` });
      return z.NEVER;
    }
    return value;
  });
}

function wholeNumber(name: string, fallback: number, min: number, max: number, what: string) {
  return optionalText.transform((value, ctx) => {
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      ctx.addIssue({ code: 'custom', message: `${name} must be a whole number from ${min} to ${max} (${what}), got "${value.slice(0, 40)}"` });
      return z.NEVER;
    }
    return Number(value);
  });
}

/** A limit: unset or empty keeps the built-in default, anything else must be a positive number. */
function positiveNumber(name: string) {
  return optionalText.transform((value, ctx) => {
    try {
      return parseLimitVariable(name, value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
      return z.NEVER;
    }
  });
}

/**
 * Variables that code deep in the program needs wherever it runs (workers and child processes
 * too): src/config/settings.ts reads each at run time with these same fields, and the start-up
 * loaders validate them with everything else, so a wrong value fails before any work starts.
 */
export const limitShape = {
  [MIDI_LIMIT_ENV.maxBytes]: positiveNumber(MIDI_LIMIT_ENV.maxBytes),
  [MIDI_LIMIT_ENV.maxTracks]: positiveNumber(MIDI_LIMIT_ENV.maxTracks),
  [MIDI_LIMIT_ENV.maxNotes]: positiveNumber(MIDI_LIMIT_ENV.maxNotes),
  [MIDI_LIMIT_ENV.maxSeconds]: positiveNumber(MIDI_LIMIT_ENV.maxSeconds),
  [MIDI_LIMIT_ENV.minBpm]: positiveNumber(MIDI_LIMIT_ENV.minBpm),
  [MIDI_LIMIT_ENV.maxBpm]: positiveNumber(MIDI_LIMIT_ENV.maxBpm),
  [MIDI_LIMIT_ENV.maxTempos]: positiveNumber(MIDI_LIMIT_ENV.maxTempos),
  [MIDI_LIMIT_ENV.maxTimeSignatures]: positiveNumber(MIDI_LIMIT_ENV.maxTimeSignatures),
  [MIDI_LIMIT_ENV.maxSysex]: positiveNumber(MIDI_LIMIT_ENV.maxSysex),
  [MIDI_LIMIT_ENV.maxOtherEvents]: positiveNumber(MIDI_LIMIT_ENV.maxOtherEvents),
  [RENDER_LIMIT_ENV.maxSeconds]: positiveNumber(RENDER_LIMIT_ENV.maxSeconds),
  [RENDER_LIMIT_ENV.timeoutSeconds]: positiveNumber(RENDER_LIMIT_ENV.timeoutSeconds),
};

export type LimitVariable = keyof typeof limitShape;

export const runtimeShape = {
  DATABASE_URL: optionalText.transform((value, ctx) => {
    const url = value ?? DEFAULT_DATABASE_URL;
    const problem = databaseUrlProblem(url);
    if (problem) {
      ctx.addIssue({
        code: 'custom',
        message: `DATABASE_URL must name an SQLite file like file:./data/rhythmix.db or a PostgreSQL database like ${POSTGRESQL_URL_EXAMPLE}, ${problem}`,
      });
      return z.NEVER;
    }
    return url;
  }),
  RHYTHMIX_MODEL: optionalText,
  RHYTHMIX_MODELS_DIR: optionalText,
  RHYTHMIX_DATASETS: optionalText,
  PIECES_DIR: optionalText,
  DISCORD_API_URL: optionalText.transform((value, ctx) => {
    if (value === undefined) return undefined;
    if (!/^https?:\/\/[^\s/]+/i.test(value)) {
      ctx.addIssue({
        code: 'custom',
        message: `DISCORD_API_URL must be an http(s) URL like http://127.0.0.1:8080/api (or unset for Discord itself), got "${value.slice(0, 40)}"`,
      });
      return z.NEVER;
    }
    return value.replace(/\/+$/, '');
  }),
  RHYTHMIX_DEBUG: optionalText.transform((value) => value !== undefined),
  // Checked where the tools are looked up (src/render/tools.ts), with an apt-get hint.
  FLUIDSYNTH_PATH: optionalText,
  FFMPEG_PATH: optionalText,
  ...limitShape,
};

/**
 * One heavy job per two cores, but two from 2 cores on: a compose waits on its tools (FluidSynth,
 * ffmpeg) part of the time, so two at once on 2 cores answer four requests in about 0.6× the time
 * of one at a time, and voice holds (the jobs run niced, the voice thread at real-time priority:
 * docs/scaling.md). One core: one.
 */
export function defaultConcurrency(cores: number = availableParallelism()): number {
  return cores < 2 ? 1 : Math.max(2, Math.floor(cores / 2));
}

const shape = {
  ...runtimeShape,
  SOUNDFONT: optionalText.transform((value, ctx) => {
    if (value !== undefined && !existsSync(value)) {
      ctx.addIssue({
        code: 'custom',
        message: `SOUNDFONT is ${value}, which does not exist — set it to an .sf2 file (Debian: apt-get install fluid-soundfont-gm) or unset it`,
      });
      return z.NEVER;
    }
    return value;
  }),
  RATING_EMOJIS: optionalText.transform((value, ctx) => {
    const { emojis, problems } = parseRatingEmojis(value ?? DEFAULT_RATING_EMOJIS);
    for (const problem of problems) {
      ctx.addIssue({ code: 'custom', message: `RATING_EMOJIS: ${problem} — set it like "${DEFAULT_RATING_EMOJIS}"` });
    }
    return problems.length > 0 ? z.NEVER : emojis;
  }),
  QUEUE_CONCURRENCY: wholeNumber('QUEUE_CONCURRENCY', defaultConcurrency(), 1, 64, 'heavy jobs running at once'),
  QUEUE_MAX_LENGTH: wholeNumber('QUEUE_MAX_LENGTH', 20, 0, 10_000, 'jobs waiting at most'),
  QUEUE_PER_USER: wholeNumber('QUEUE_PER_USER', 2, 1, 1000, 'jobs one user may have queued or running'),
  QUEUE_PER_GUILD: wholeNumber('QUEUE_PER_GUILD', 6, 1, 10_000, 'jobs one server may have queued or running'),
  // Unset: one warm worker per queue slot (toConfig); 0: a fresh child per job.
  COMPOSE_WORKERS: optionalText.transform((value, ctx) => {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value) || Number(value) > 64) {
      ctx.addIssue({
        code: 'custom',
        message: `COMPOSE_WORKERS must be a whole number from 0 to 64 (warm compose workers; 0 = a fresh process per job), got "${value.slice(0, 40)}"`,
      });
      return z.NEVER;
    }
    return Number(value);
  }),
  REDIS_URL: optionalText.transform((value, ctx) => {
    if (value === undefined) return undefined;
    if (!/^rediss?:\/\/[^\s]+$/i.test(value)) {
      ctx.addIssue({
        code: 'custom',
        message: 'REDIS_URL must be a redis:// or rediss:// URL like redis://127.0.0.1:6379 (or unset for the in-process queue)',
      });
      return z.NEVER;
    }
    return value;
  }),
  WORKER_LOCK_SECONDS: wholeNumber(
    'WORKER_LOCK_SECONDS',
    30,
    2,
    3_600,
    'seconds without a heartbeat before a job of a dead `rhythmix worker` is retried on another (with REDIS_URL)',
  ),
  JOB_TIMEOUT_SECONDS: wholeNumber('JOB_TIMEOUT_SECONDS', 300, 1, 86_400, 'longest a compose or render job may run'),
  SHUTDOWN_GRACE_SECONDS: wholeNumber(
    'SHUTDOWN_GRACE_SECONDS',
    4,
    0,
    600,
    'seconds running composes get to finish after SIGTERM/Ctrl-C before they are stopped (the default 4 keeps the exit within 10 s)',
  ),
  PIECES_MAX_AGE_DAYS: wholeNumber('PIECES_MAX_AGE_DAYS', 90, 0, 36_500, "days a piece's audio and piano roll are kept on disk (0 = forever)"),
  PIECES_MAX_MB: wholeNumber('PIECES_MAX_MB', 2048, 0, 10_000_000, 'megabytes the pieces folder may hold before the oldest renders go (0 = no limit)'),
  RETRAIN_EVERY: optionalText.transform((value, ctx) => {
    const schedule = parseRetrainSchedule(value ?? 'off');
    if (!schedule) {
      ctx.addIssue({
        code: 'custom',
        message: `RETRAIN_EVERY must be "off", a duration of at least a minute like "12h" or "7d", or a cron expression like "0 4 * * MON-FRI" or "@daily", got "${(value ?? '').slice(0, 40)}"`,
      });
      return z.NEVER;
    }
    return schedule;
  }),
  VOICE_IDLE_SECONDS: wholeNumber('VOICE_IDLE_SECONDS', 120, 1, 86_400, 'seconds with nothing playing before the bot leaves voice'),
  VOICE_ALONE_SECONDS: wholeNumber('VOICE_ALONE_SECONDS', 15, 0, 3_600, 'seconds the bot stays in a voice channel with no listener'),
  RETRAIN_MIN_RATINGS: wholeNumber('RETRAIN_MIN_RATINGS', 20, 1, 1_000_000, 'new ratings needed before a scheduled retrain'),
  RETRAIN_GUILD_MIN_RATINGS: wholeNumber(
    'RETRAIN_GUILD_MIN_RATINGS',
    0,
    0,
    1_000_000,
    'new ratings in one server before it gets its own taste variant (0 = off)',
  ),
  RATINGS_RECONCILE_HOURS: wholeNumber(
    'RATINGS_RECONCILE_HOURS',
    72,
    0,
    8_760,
    'hours back the bot re-reads rating reactions after each gateway session starts (0 = off)',
  ),
  HEALTH_LOG_SECONDS: wholeNumber('HEALTH_LOG_SECONDS', 300, 0, 86_400, 'seconds between health log lines: memory and event-loop delay (0 = off)'),
  WEB_PORT: optionalText.transform((value, ctx) => {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 65_535) {
      ctx.addIssue({ code: 'custom', message: `WEB_PORT must be a port number from 1 to 65535 (the web gallery and playground), got "${value.slice(0, 40)}"` });
      return z.NEVER;
    }
    return Number(value);
  }),
  WEB_HOST: optionalText.transform((value, ctx) => {
    if (value !== undefined && !/^[\w.:[\]-]+$/.test(value)) {
      ctx.addIssue({ code: 'custom', message: `WEB_HOST must be an address to listen on like 127.0.0.1, 0.0.0.0 or ::1, got "${value.slice(0, 40)}"` });
      return z.NEVER;
    }
    return value ?? DEFAULT_WEB_HOST;
  }),
  WEB_TRUST_PROXY: optionalText.transform((value, ctx) => {
    const flag = (value ?? 'false').toLowerCase();
    if (!['true', 'false', '1', '0', 'yes', 'no'].includes(flag)) {
      ctx.addIssue({ code: 'custom', message: `WEB_TRUST_PROXY must be true or false (behind a reverse proxy: true), got "${value?.slice(0, 40)}"` });
      return z.NEVER;
    }
    return ['true', '1', 'yes'].includes(flag);
  }),
  ANNOUNCE_CHANNEL_ID: snowflake('ANNOUNCE_CHANNEL_ID', 'right-click the channel → Copy Channel ID', false),
  LOG_LEVEL: optionalText.transform((value, ctx) => {
    const level = (value ?? 'info').toLowerCase();
    if (!(LOG_LEVELS as readonly string[]).includes(level)) {
      ctx.addIssue({ code: 'custom', message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${value?.slice(0, 40)}"` });
      return z.NEVER;
    }
    return level as LogLevel;
  }),
};

const cliShape = z.object(shape);

function toConfig(env: z.output<typeof cliShape>) {
  return {
    databaseUrl: env.DATABASE_URL,
    model: env.RHYTHMIX_MODEL,
    soundfont: env.SOUNDFONT,
    ratingEmojis: env.RATING_EMOJIS,
    ratingWeights: ratingWeights(env.RATING_EMOJIS),
    queue: {
      concurrency: env.QUEUE_CONCURRENCY,
      maxQueued: env.QUEUE_MAX_LENGTH,
      perUser: env.QUEUE_PER_USER,
      perGuild: env.QUEUE_PER_GUILD,
      jobTimeoutMs: env.JOB_TIMEOUT_SECONDS * 1000,
    },
    /** Warm compose worker processes the bot keeps (0: a fresh child per compose). */
    composeWorkers: env.COMPOSE_WORKERS ?? env.QUEUE_CONCURRENCY,
    /** Set: jobs go to BullMQ on this Redis and `rhythmix worker` processes run them (docs/scaling.md). */
    redisUrl: env.REDIS_URL,
    /** A worker's job lock: a job whose worker stopped renewing it for this long runs again elsewhere. */
    workerLockMs: env.WORKER_LOCK_SECONDS * 1000,
    voice: { idleTimeoutMs: env.VOICE_IDLE_SECONDS * 1000, aloneTimeoutMs: env.VOICE_ALONE_SECONDS * 1000 },
    retrain: { schedule: env.RETRAIN_EVERY, minRatings: env.RETRAIN_MIN_RATINGS, guildMinRatings: env.RETRAIN_GUILD_MIN_RATINGS },
    ratings: { reconcileWindowMs: env.RATINGS_RECONCILE_HOURS * 3_600_000 },
    healthLogMs: env.HEALTH_LOG_SECONDS * 1000,
    shutdownGraceMs: env.SHUTDOWN_GRACE_SECONDS * 1000,
    retention: { maxAgeMs: env.PIECES_MAX_AGE_DAYS * 86_400_000, maxBytes: env.PIECES_MAX_MB * 1024 * 1024 },
    announceChannelId: env.ANNOUNCE_CHANNEL_ID,
    /** The web gallery and playground (src/web): the bot starts it when `port` is set; `rhythmix web` always. */
    web: { port: env.WEB_PORT, host: env.WEB_HOST, trustProxy: env.WEB_TRUST_PROXY },
    logLevel: env.LOG_LEVEL,
  };
}

export const cliEnvSchema = cliShape.transform(toConfig);

export const botEnvSchema = z
  .object({
    DISCORD_TOKEN: requiredSecret('DISCORD_TOKEN', 'Discord Developer Portal → your application → Bot → Reset Token'),
    DISCORD_APP_ID: snowflake('DISCORD_APP_ID', 'Discord Developer Portal → your application → General Information → Application ID', true),
    ...shape,
  })
  .transform((env) => ({
    ...toConfig(env),
    discordToken: env.DISCORD_TOKEN,
    discordAppId: env.DISCORD_APP_ID,
  }));

/** Every variable Rhythmix reads (.env.example and the README's table list them all). */
export const ENVIRONMENT_VARIABLES: readonly string[] = ['DISCORD_TOKEN', 'DISCORD_APP_ID', ...Object.keys(shape)];

export type CliConfig = z.output<typeof cliEnvSchema>;
export type BotConfig = z.output<typeof botEnvSchema>;
export { SECRET_VARIABLES } from './environment.js';
