/**
 * Opening the database: create its folder, apply the committed migrations, switch on WAL (so
 * readers never wait for the bot's writes), then hand out a Prisma client over better-sqlite3.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Sqlite from 'better-sqlite3';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { databaseUrlSetting } from '../config/settings.js';
import { RhythmixError } from '../util/errors.js';
import { PrismaClient } from './generated/client.js';
import { applyMigrations, readMigrations, DEFAULT_MIGRATIONS_DIR, type MigrationResult } from './migrate.js';
import { serializedAdapterFactory } from './serialized-adapter.js';
import { databaseFileFromUrl } from './url.js';

export { PrismaClient };
export type * from './generated/client.js';

export interface OpenDatabaseOptions {
  /** Relative `file:` paths resolve from here; default the working folder. */
  baseDir?: string;
  migrationsDir?: string;
  /** How long a write waits for another process's write lock before failing (ms). */
  busyTimeoutMs?: number;
}

export interface OpenedDatabase {
  readonly prisma: PrismaClient;
  /** Absolute path of the SQLite file. */
  readonly file: string;
  readonly migrations: MigrationResult;
  close(): Promise<void>;
}

/**
 * Opens (creating if needed) the database named by `url`, or `DATABASE_URL`, or
 * data/rhythmix.db. Throws MigrationError (changing nothing) when the migration history is off.
 */
export async function openDatabase(url?: string, options: OpenDatabaseOptions = {}): Promise<OpenedDatabase> {
  const file = databaseFileFromUrl(url ?? databaseUrlSetting(), options.baseDir);
  const timeout = options.busyTimeoutMs ?? 5000;
  try {
    mkdirSync(dirname(file), { recursive: true });
  } catch (error) {
    throw cannotOpen(file, error);
  }

  const migrations = migrateFile(file, options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR, timeout);
  const adapter = serializedAdapterFactory(new PrismaBetterSqlite3({ url: `file:${file}`, timeout }));
  const prisma = new PrismaClient({ adapter });
  await prisma.$connect();
  let closed: Promise<void> | undefined;
  return {
    prisma,
    file,
    migrations,
    close: () => (closed ??= prisma.$disconnect()),
  };
}

/** Applies pending migrations to an SQLite file on a short-lived connection of its own. */
export function migrateFile(file: string, migrationsDir: string = DEFAULT_MIGRATIONS_DIR, busyTimeoutMs = 5000): MigrationResult {
  let db: Sqlite.Database;
  try {
    db = new Sqlite(file, { timeout: busyTimeoutMs });
  } catch (error) {
    throw cannotOpen(file, error);
  }
  try {
    // WAL is a property of the file: set once here, every later connection uses it.
    db.pragma('journal_mode = WAL');
    return applyMigrations(db, readMigrations(migrationsDir));
  } finally {
    db.close();
  }
}

function cannotOpen(file: string, error: unknown): RhythmixError {
  const reason = error instanceof Error ? error.message : String(error);
  return new RhythmixError(`cannot open the database ${file}: ${reason} — check DATABASE_URL`, { exitCode: 1, cause: error });
}
