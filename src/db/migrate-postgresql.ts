/**
 * PostgreSQL's side of src/db/migrate.ts: the same committed-migrations story (recorded in
 * `_prisma_migrations` as `prisma migrate deploy` records them, checksum-guarded), over `pg`.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { RhythmixError } from '../util/errors.js';
import { checkHistory, MigrationError, type Migration, type MigrationResult, type MigrationRow } from './migrate.js';
import { redactedDatabaseUrl } from './url.js';

// Prisma's own DDL for PostgreSQL, so its CLI recognises the table.
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

// The advisory lock `prisma migrate` takes, so Rhythmix and the Prisma CLI exclude each other too.
const MIGRATION_LOCK = 72707369;

/** Connects to `url`, applies pending migrations, disconnects. */
export async function migratePostgresql(url: string, migrations: readonly Migration[]): Promise<MigrationResult> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (error) {
    throw cannotConnect(url, error);
  }
  try {
    return await applyPostgresqlMigrations(client, migrations);
  } finally {
    await client.end();
  }
}

/**
 * Brings the database up to date; idempotent. Two processes starting at once queue on an
 * advisory lock, so each migration runs once, in a transaction of its own (PostgreSQL's DDL is
 * transactional: a failed migration leaves nothing behind). Refuses like applyMigrations.
 */
export async function applyPostgresqlMigrations(client: pg.ClientBase, migrations: readonly Migration[]): Promise<MigrationResult> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query(CREATE_MIGRATIONS_TABLE);
    const { rows } = await client.query<MigrationRow>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL ORDER BY started_at',
    );
    checkHistory(rows, migrations);
    const done = new Set(rows.map((row) => row.migration_name));
    const result: MigrationResult = { applied: [], alreadyApplied: migrations.filter((m) => done.has(m.name)).map((m) => m.name) };
    for (const migration of migrations) {
      if (done.has(migration.name)) continue;
      await applyOne(client, migration);
      result.applied.push(migration.name);
    }
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
}

async function applyOne(client: pg.ClientBase, migration: Migration): Promise<void> {
  await client.query('BEGIN');
  try {
    const id = randomUUID();
    await client.query('INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)', [
      id,
      migration.checksum,
      migration.name,
    ]);
    // No parameters: the simple-query protocol runs the file's several statements.
    await client.query(migration.sql);
    await client.query('UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', [id]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new MigrationError(`migration ${migration.name} failed, the database is unchanged: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

export function cannotConnect(url: string, error: unknown): RhythmixError {
  const reason = error instanceof Error ? error.message || error.constructor.name : String(error);
  return new RhythmixError(
    `cannot connect to the PostgreSQL database ${redactedDatabaseUrl(url)}: ${reason} — check DATABASE_URL and that the server is running`,
    {
      exitCode: 1,
      cause: error,
    },
  );
}
