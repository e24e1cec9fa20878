import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  childProcessEnvironment,
  databaseUrlSetting,
  debugSetting,
  defaultConcurrency,
  discordApiUrlSetting,
  loadBotConfig,
  loadCliConfig,
  modelsDirSetting,
  parseRetrainSchedule,
} from '../../src/config/index.js';
import { InvalidInputError } from '../../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'rhythmix-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.secret-part-of-the-token_abcdefghijk';
const noFile = { envFile: false } as const;

function problemsOf(load: () => unknown): readonly string[] {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('the CLI needs nothing set and gets sensible defaults', () => {
    const config = loadCliConfig({ env: {}, ...noFile });
    expect(config.databaseUrl).toBe('file:./data/rhythmix.db');
    expect(config.queue).toEqual({ concurrency: defaultConcurrency(), maxQueued: 20, perUser: 2, perGuild: 6, jobTimeoutMs: 300_000 });
    expect(defaultConcurrency(1)).toBe(1);
    expect(defaultConcurrency(2)).toBe(2);
    expect(defaultConcurrency(3)).toBe(2);
    expect(defaultConcurrency(16)).toBe(8);
    expect(config.ratingEmojis.map((e) => [e.emoji, e.weight])).toEqual([
      ['👍', 1],
      ['👎', -1],
      ['❤️', 2],
      ['🔥', 2],
    ]);
    expect(config.ratingWeights.get('❤')).toBe(2);
    expect(config.retrain.schedule).toEqual({ kind: 'off' });
    expect(config.logLevel).toBe('info');
    expect(config.announceChannelId).toBeUndefined();
  });

  it('reads every variable', () => {
    const soundfont = join(dir, 'font.sf2');
    writeFileSync(soundfont, 'x');
    const config = loadBotConfig({
      env: {
        DISCORD_TOKEN: TOKEN,
        DISCORD_APP_ID: '123456789012345678',
        DATABASE_URL: 'file:./data/x.db',
        RHYTHMIX_MODEL: 'folk-small',
        SOUNDFONT: soundfont,
        RATING_EMOJIS: '⭐=3, 💩 = -2',
        QUEUE_CONCURRENCY: '2',
        QUEUE_MAX_LENGTH: '5',
        QUEUE_PER_USER: '1',
        QUEUE_PER_GUILD: '3',
        JOB_TIMEOUT_SECONDS: '60',
        RETRAIN_EVERY: '12h',
        RETRAIN_MIN_RATINGS: '50',
        ANNOUNCE_CHANNEL_ID: '223456789012345678',
        LOG_LEVEL: 'DEBUG',
      },
      ...noFile,
    });
    expect(config).toMatchObject({
      discordToken: TOKEN,
      discordAppId: '123456789012345678',
      databaseUrl: 'file:./data/x.db',
      model: 'folk-small',
      soundfont,
      queue: { concurrency: 2, maxQueued: 5, perUser: 1, perGuild: 3, jobTimeoutMs: 60_000 },
      retrain: { schedule: { kind: 'interval', ms: 12 * 3_600_000 }, minRatings: 50 },
      announceChannelId: '223456789012345678',
      logLevel: 'debug',
    });
    expect([...config.ratingWeights]).toEqual([
      ['⭐', 3],
      ['💩', -2],
    ]);
  });

  it('takes REDIS_URL as a redis:// or rediss:// URL (unset: the in-process queue) and WORKER_LOCK_SECONDS', () => {
    expect(loadCliConfig({ env: {}, ...noFile })).toMatchObject({ redisUrl: undefined, workerLockMs: 30_000 });
    expect(loadCliConfig({ env: { REDIS_URL: 'redis://10.0.0.5:6379/0', WORKER_LOCK_SECONDS: '5' }, ...noFile })).toMatchObject({
      redisUrl: 'redis://10.0.0.5:6379/0',
      workerLockMs: 5000,
    });
    expect(problemsOf(() => loadCliConfig({ env: { REDIS_URL: 'http://redis:6379' }, ...noFile }))).toEqual([
      'REDIS_URL must be a redis:// or rediss:// URL like redis://127.0.0.1:6379 (or unset for the in-process queue)',
    ]);
  });

  it('keeps one warm compose worker per queue slot unless COMPOSE_WORKERS says otherwise (0 = none)', () => {
    expect(loadCliConfig({ env: {}, ...noFile }).composeWorkers).toBe(defaultConcurrency());
    expect(loadCliConfig({ env: { QUEUE_CONCURRENCY: '3' }, ...noFile }).composeWorkers).toBe(3);
    expect(loadCliConfig({ env: { QUEUE_CONCURRENCY: '3', COMPOSE_WORKERS: '0' }, ...noFile }).composeWorkers).toBe(0);
    expect(loadCliConfig({ env: { COMPOSE_WORKERS: '5' }, ...noFile }).composeWorkers).toBe(5);
    for (const bad of ['-1', 'two', '65']) {
      expect(problemsOf(() => loadCliConfig({ env: { COMPOSE_WORKERS: bad }, ...noFile }))).toEqual([
        expect.stringMatching(new RegExp(`^COMPOSE_WORKERS must be a whole number from 0 to 64 .*got "${bad}"`)),
      ]);
    }
  });

  it('the bot says exactly what to set, one line per problem', () => {
    const problems = problemsOf(() => loadBotConfig({ env: {}, ...noFile }));
    expect(problems).toEqual([
      'DISCORD_TOKEN is missing — set it in .env or the environment (Discord Developer Portal → your application → Bot → Reset Token)',
      'DISCORD_APP_ID is missing — set it in .env or the environment (Discord Developer Portal → your application → General Information → Application ID)',
    ]);
    // Empty values (DISCORD_TOKEN= in .env) count as missing.
    expect(problemsOf(() => loadBotConfig({ env: { DISCORD_TOKEN: '  ', DISCORD_APP_ID: '1' }, ...noFile }))).toHaveLength(1);
  });

  it('reports every bad value at once and never prints the token', () => {
    const env = {
      DISCORD_TOKEN: `"${TOKEN}"`,
      DISCORD_APP_ID: 'my-app',
      QUEUE_CONCURRENCY: '0',
      QUEUE_PER_USER: 'two',
      RATING_EMOJIS: '👍=1,👍=2,oops',
      RETRAIN_EVERY: 'sometimes',
      LOG_LEVEL: 'loud',
      SOUNDFONT: join(dir, 'missing.sf2'),
      DATABASE_URL: 'mysql://db/rhythmix',
      ANNOUNCE_CHANNEL_ID: '#general',
    };
    let message = '';
    try {
      loadBotConfig({ env, ...noFile });
    } catch (error) {
      message = (error as Error).message;
    }
    const lines = message
      .split('\n')
      .slice(1)
      .map((l) => l.trim());
    expect(lines).toHaveLength(11);
    const expected = [
      /^DISCORD_TOKEN contains spaces or quotes/,
      /^DISCORD_APP_ID must be a numeric Discord id .*got "my-app"/,
      /^DATABASE_URL must name an SQLite file like file:\.\/data\/rhythmix\.db or a PostgreSQL database like postgresql:\/\/.*, got a mysql URL/,
      /^SOUNDFONT is .*missing\.sf2, which does not exist/,
      /^RATING_EMOJIS: 👍 is listed twice/,
      /^RATING_EMOJIS: "oops" is not EMOJI=WEIGHT/,
      /^QUEUE_CONCURRENCY must be a whole number from 1 to 64 .*got "0"/,
      /^QUEUE_PER_USER must be a whole number .*got "two"/,
      /^RETRAIN_EVERY must be "off", a duration/,
      /^ANNOUNCE_CHANNEL_ID must be a numeric Discord id/,
      /^LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"/,
    ];
    expected.forEach((pattern, i) => expect(lines[i]).toMatch(pattern));
    expect(message).not.toContain(TOKEN);
    expect(message).not.toContain('secret-part');
  });

  it('reads .env beneath the environment, which wins', () => {
    const file = join(dir, '.env');
    writeFileSync(file, `# bot\nDISCORD_TOKEN=${TOKEN}\nDISCORD_APP_ID=111\nLOG_LEVEL=warn\n`);
    const config = loadBotConfig({ env: { LOG_LEVEL: 'error' }, envFile: file });
    expect(config.discordToken).toBe(TOKEN);
    expect(config.discordAppId).toBe('111');
    expect(config.logLevel).toBe('error');
    expect(loadCliConfig({ env: {}, envFile: join(dir, 'absent.env') }).logLevel).toBe('info');
  });

  it('parses retrain schedules', () => {
    expect(parseRetrainSchedule('off')).toEqual({ kind: 'off' });
    expect(parseRetrainSchedule('90m')).toEqual({ kind: 'interval', ms: 90 * 60_000 });
    expect(parseRetrainSchedule('7d')).toEqual({ kind: 'interval', ms: 7 * 86_400_000 });
    expect(parseRetrainSchedule('0 4 * * 1-5')).toEqual({ kind: 'cron', expression: '0 4 * * 1-5' });
    expect(parseRetrainSchedule('*/15 * * * *')).toEqual({ kind: 'cron', expression: '*/15 * * * *' });
    expect(parseRetrainSchedule('10s')).toBeNull();
    expect(parseRetrainSchedule('0 4 * *')).toBeNull();
    expect(parseRetrainSchedule('weekly')).toBeNull();
  });

  it('accepts every schedule croner accepts', () => {
    expect(parseRetrainSchedule('@daily')).toEqual({ kind: 'cron', expression: '@daily' });
    expect(parseRetrainSchedule(' 0  4 * * MON-FRI ')).toEqual({ kind: 'cron', expression: '0 4 * * MON-FRI' });
    expect(parseRetrainSchedule('0 0 4 * * *')).toEqual({ kind: 'cron', expression: '0 0 4 * * *' });
    expect(parseRetrainSchedule('12h')).toEqual({ kind: 'interval', ms: 12 * 3_600_000 });
    expect(parseRetrainSchedule('never')).toEqual({ kind: 'off' });
    expect(parseRetrainSchedule('61 * * * *')).toBeNull();
    expect(parseRetrainSchedule('@sometimes')).toBeNull();
    expect(loadCliConfig({ env: { RETRAIN_EVERY: '@weekly' }, ...noFile }).retrain.schedule).toEqual({ kind: 'cron', expression: '@weekly' });
  });

  it('validates the run-time variables at start-up too, naming what to set', () => {
    const problems = problemsOf(() =>
      loadCliConfig({
        env: { RHYTHMIX_MAX_MIDI_BYTES: 'big', RHYTHMIX_RENDER_TIMEOUT_SECONDS: '0', DISCORD_API_URL: 'localhost:1234' },
        ...noFile,
      }),
    );
    expect(problems).toEqual([
      'DISCORD_API_URL must be an http(s) URL like http://127.0.0.1:8080/api (or unset for Discord itself), got "localhost:1234"',
      'RHYTHMIX_MAX_MIDI_BYTES must be a positive number, got "big"',
      'RHYTHMIX_RENDER_TIMEOUT_SECONDS must be a positive number of seconds, got "0"',
    ]);
  });

  it('hands run-time settings to code deep in the program', () => {
    expect(databaseUrlSetting({})).toBe('file:./data/rhythmix.db');
    expect(databaseUrlSetting({ DATABASE_URL: ' file:./x.db ' })).toBe('file:./x.db');
    expect(() => databaseUrlSetting({ DATABASE_URL: 'mysql://db/x' })).toThrow(InvalidInputError);
    expect(databaseUrlSetting({ DATABASE_URL: 'postgresql://rhythmix:pw@db:5432/rhythmix' })).toBe('postgresql://rhythmix:pw@db:5432/rhythmix');
    expect(databaseUrlSetting({ DATABASE_URL: 'postgres://db/x' })).toBe('postgres://db/x');
    // A PostgreSQL URL must name the server and the database; the message never repeats the URL (it may hold a password).
    expect(() => databaseUrlSetting({ DATABASE_URL: 'postgresql://rhythmix:secret@db' })).toThrow(/without a database name/);
    expect(() => databaseUrlSetting({ DATABASE_URL: 'postgresql://rhythmix:secret@db' })).not.toThrow(/secret/);
    expect(() => databaseUrlSetting({ DATABASE_URL: 'postgresql:///rhythmix' })).toThrow(/without a host/);
    expect(modelsDirSetting({ RHYTHMIX_MODELS_DIR: '' })).toBeUndefined();
    expect(modelsDirSetting({ RHYTHMIX_MODELS_DIR: '/srv/models' })).toBe('/srv/models');
    expect(discordApiUrlSetting({ DISCORD_API_URL: 'http://127.0.0.1:9/api//' })).toBe('http://127.0.0.1:9/api');
    expect(discordApiUrlSetting({})).toBeUndefined();
    expect(debugSetting({ RHYTHMIX_DEBUG: '1' })).toBe(true);
    expect(debugSetting({})).toBe(false);
    const child = childProcessEnvironment({ DISCORD_TOKEN: TOKEN, PATH: '/bin' });
    expect(child.DISCORD_TOKEN).toBeUndefined();
    expect(child.PATH).toBe('/bin');
    expect(child.GLIBC_TUNABLES).toContain('glibc.malloc.hugetlb=1');
    // warm workers live as long as the bot: few malloc arenas
    expect(child.GLIBC_TUNABLES).toContain('glibc.malloc.arena_max=2');
  });
});
