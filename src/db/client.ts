/**
 * Opening the database. SQLite (the default): create its folder, apply the committed migrations,
 * switch on WAL (so readers never wait for the bot's writes), then hand out a Prisma client over
 * better-sqlite3. PostgreSQL (a postgresql:// URL): apply its migrations, then a Prisma client
 * over a `pg` pool. Both clients are generated from the same schema; repositories use one type.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Sqlite from 'better-sqlite3';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { databaseUrlSetting } from '../config/settings.js';
import { RhythmixError } from '../util/errors.js';
import type * as Pg from './generated/postgresql/client.js';
import { PrismaClient as PostgresqlPrismaClient } from './generated/postgresql/client.js';
import type * as Lite from './generated/sqlite/client.js';
import { PrismaClient } from './generated/sqlite/client.js';
import { migratePostgresql } from './migrate-postgresql.js';
import { applyMigrations, readMigrations, DEFAULT_MIGRATIONS_DIR, DEFAULT_POSTGRESQL_MIGRATIONS_DIR, type MigrationResult } from './migrate.js';
import { serializedAdapterFactory } from './serialized-adapter.js';
import { databaseFileFromUrl, databaseProvider, redactedDatabaseUrl, type DatabaseProvider } from './url.js';

export { PrismaClient };
export type * from './generated/sqlite/client.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Compile-time check: every model's row type is the same for both providers. */
type SameRows = [
  Same<Pg.Guild, Lite.Guild>,
  Same<Pg.User, Lite.User>,
  Same<Pg.Piece, Lite.Piece>,
  Same<Pg.Rating, Lite.Rating>,
  Same<Pg.ModelVersion, Lite.ModelVersion>,
  Same<Pg.RetrainRun, Lite.RetrainRun>,
];
export const PROVIDERS_SHARE_ROW_TYPES: SameRows extends true[] ? true : never = true;

export interface OpenDatabaseOptions {
  /** Relative `file:` paths resolve from here; default the working folder. */
  baseDir?: string;
  /** Default prisma/migrations (SQLite) or prisma/migrations-postgresql. */
  migrationsDir?: string;
  /** How long a write waits for another process's write lock before failing (ms). */
  busyTimeoutMs?: number;
}

export interface OpenedDatabase {
  readonly prisma: PrismaClient;
  readonly provider: DatabaseProvider;
  /** Absolute path of the SQLite file; null for PostgreSQL. */
  readonly file: string | null;
  /** Opens the same database from another process (an SQLite file's URL is absolute). */
  readonly url: string;
  /** Where the data is, for logs and messages: the file, or the URL without its password. */
  readonly location: string;
  readonly migrations: MigrationResult;
  close(): Promise<void>;
}

/**
 * Opens (creating if needed) the database named by `url`, or `DATABASE_URL`, or
 * data/rhythmix.db. Throws MigrationError (changing nothing) when the migration history is off.
 */
export async function openDatabase(url?: string, options: OpenDatabaseOptions = {}): Promise<OpenedDatabase> {
  const wanted = url ?? databaseUrlSetting();
  return databaseProvider(wanted) === 'postgresql' ? openPostgresql(wanted.trim(), options) : openSqlite(wanted, options);
}

async function openSqlite(url: string, options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  const file = databaseFileFromUrl(url, options.baseDir);
  const timeout = options.busyTimeoutMs ?? 5000;
  try {
    mkdirSync(dirname(file), { recursive: true });
  } catch (error) {
    throw cannotOpen(file, error);
  }

  const migrations = migrateFile(file, options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR, timeout);
  // better-sqlite3 runs on the caller's thread: with WAL's default synchronous=FULL every commit
  // waits for an fsync of the WAL on the bot's event loop (1.5 ms typical, tens to hundreds under
  // disk load). NORMAL syncs at checkpoints only: still atomic and safe against a killed process,
  // only the last commits before a power loss may be rolled back (docs/reliability.md).
  const adapter = serializedAdapterFactory(new PrismaBetterSqlite3({ url: `file:${file}`, timeout }), { onConnect: 'PRAGMA synchronous = NORMAL' });
  const prisma = new PrismaClient({ adapter });
  await prisma.$connect();
  let closed: Promise<void> | undefined;
  return {
    prisma,
    provider: 'sqlite',
    file,
    url: `file:${file}`,
    location: file,
    migrations,
    close: () => (closed ??= prisma.$disconnect()),
  };
}

async function openPostgresql(url: string, options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  const migrations = await migratePostgresql(url, readMigrations(options.migrationsDir ?? DEFAULT_POSTGRESQL_MIGRATIONS_DIR));
  const client = new PostgresqlPrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  // Repositories are written once, against the SQLite client's type. Both clients come from the
  // same models (SameRows checks their row types are identical) and have the same methods; the
  // PostgreSQL client accepts a little more (isolation levels, case-insensitive filters), which
  // Rhythmix does not use. TypeScript cannot relate two copies of Prisma's generic method types,
  // hence the cast.
  const prisma = client as unknown as PrismaClient;
  try {
    await prisma.$connect();
  } catch (error) {
    await prisma.$disconnect().catch(() => undefined);
    throw error;
  }
  let closed: Promise<void> | undefined;
  return {
    prisma,
    provider: 'postgresql',
    file: null,
    url,
    location: redactedDatabaseUrl(url),
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
