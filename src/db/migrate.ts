/**
 * Applies the committed SQL migrations (prisma/migrations/<timestamp>_<name>/migration.sql for
 * SQLite, prisma/migrations-postgresql/ with the same names for PostgreSQL) at start-up, so the app never needs Prisma's schema-engine binary. Applied migrations are
 * recorded in `_prisma_migrations` exactly as `prisma migrate deploy` records them (same table,
 * sha256 checksum of the file, epoch-millisecond timestamps), so the Prisma CLI can still be used
 * on the same database where it is available.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';
import { RhythmixError } from '../util/errors.js';

/** prisma/migrations of this checkout; the same relative path from src/db and dist/db. */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));
/** PostgreSQL's migrations: the same names as DEFAULT_MIGRATIONS_DIR, PostgreSQL's SQL. */
export const DEFAULT_POSTGRESQL_MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations-postgresql', import.meta.url));

export interface Migration {
  /** Folder name, e.g. `20261125060000_init`; migrations apply in name order. */
  readonly name: string;
  readonly sql: string;
  /** sha256 (hex) of migration.sql, as Prisma computes it. */
  readonly checksum: string;
}

export interface MigrationResult {
  readonly applied: string[];
  readonly alreadyApplied: string[];
}

/** The database and the migrations folder disagree; nothing was changed. */
export class MigrationError extends RhythmixError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { exitCode: 1, ...options });
  }
}

// Prisma's own DDL for SQLite, so its CLI recognises the table.
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

export interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: number | string | Date | null;
  rolled_back_at: number | string | Date | null;
}

export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql, 'utf8').digest('hex');
}

export function readMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): Migration[] {
  if (!existsSync(dir))
    throw new MigrationError(`migrations folder ${dir} is missing — it ships with Rhythmix (prisma/migrations and prisma/migrations-postgresql)`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: checksumOf(sql) };
    });
}

/**
 * Brings `db` up to date. Idempotent; safe when two processes start at once (each migration
 * runs in its own IMMEDIATE transaction and is re-checked inside it). Refuses, changing nothing,
 * when an applied migration's file was edited, when the database has migrations this checkout
 * does not know, or when an earlier migration failed half-way under another tool.
 */
export function applyMigrations(db: BetterSqlite3.Database, migrations: readonly Migration[]): MigrationResult {
  db.exec(CREATE_MIGRATIONS_TABLE);
  const rows = appliedRows(db);
  checkHistory(rows, migrations);

  const done = new Set(rows.map((row) => row.migration_name));
  const result: MigrationResult = { applied: [], alreadyApplied: migrations.filter((m) => done.has(m.name)).map((m) => m.name) };
  for (const migration of migrations) {
    if (done.has(migration.name)) continue;
    if (applyOne(db, migration)) result.applied.push(migration.name);
    else result.alreadyApplied.push(migration.name);
  }
  return result;
}

function appliedRows(db: BetterSqlite3.Database): MigrationRow[] {
  return db
    .prepare('SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL ORDER BY started_at')
    .all() as MigrationRow[];
}

/** Throws MigrationError when the database's history does not fit `migrations` (see applyMigrations). */
export function checkHistory(rows: readonly MigrationRow[], migrations: readonly Migration[]): void {
  const local = new Map(migrations.map((m) => [m.name, m]));
  const problems: string[] = [];
  for (const row of rows) {
    const migration = local.get(row.migration_name);
    if (row.finished_at === null) {
      problems.push(
        `migration ${row.migration_name} was started but never finished (a failed \`prisma migrate\`?) — repair the database, then mark it with \`prisma migrate resolve\``,
      );
    } else if (!migration) {
      problems.push(
        `the database has migration ${row.migration_name}, which this version of Rhythmix does not have — update Rhythmix or point DATABASE_URL at another file`,
      );
    } else if (migration.checksum !== row.checksum) {
      problems.push(
        `migration ${row.migration_name} was edited after it was applied (checksum ${row.checksum.slice(0, 12)}… in the database, ${migration.checksum.slice(0, 12)}… on disk) — restore the original migration.sql and add a new migration instead`,
      );
    }
  }
  if (problems.length > 0) throw new MigrationError(`cannot migrate the database:\n  ${problems.join('\n  ')}`);
}

/** Applies one migration; false when another process applied it first. */
function applyOne(db: BetterSqlite3.Database, migration: Migration): boolean {
  // Prisma's SQLite migrations rebuild tables with foreign keys switched off; that pragma is a
  // no-op inside a transaction, so switch them off around it and verify them before commit.
  db.pragma('foreign_keys = OFF');
  try {
    db.exec('BEGIN IMMEDIATE');
    try {
      const already = db.prepare('SELECT 1 FROM "_prisma_migrations" WHERE migration_name = ? AND rolled_back_at IS NULL').get(migration.name);
      if (already) {
        db.exec('ROLLBACK');
        return false;
      }
      const id = randomUUID();
      db.prepare('INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES (?, ?, ?, ?, 0)').run(
        id,
        migration.checksum,
        migration.name,
        Date.now(),
      );
      db.exec(migration.sql);
      const violations = db.pragma('foreign_key_check') as unknown[];
      if (violations.length > 0) throw new Error(`${violations.length} foreign-key violation(s) after the migration`);
      db.prepare('UPDATE "_prisma_migrations" SET finished_at = ?, applied_steps_count = 1 WHERE id = ?').run(Date.now(), id);
      db.exec('COMMIT');
      return true;
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw new MigrationError(`migration ${migration.name} failed, the database is unchanged: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  } finally {
    db.pragma('foreign_keys = ON');
  }
}
