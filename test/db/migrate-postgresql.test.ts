// PostgreSQL's migrations (prisma/migrations-postgresql) under the same guard as SQLite's
// (test/db/migrate.test.ts): applied at open, recorded like Prisma, checksum-guarded, atomic.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checksumOf, DEFAULT_POSTGRESQL_MIGRATIONS_DIR, MigrationError, migratePostgresql, openDatabase, readMigrations } from '../../src/db/index.js';
import { postgresUnavailable, startPostgres, type PostgresServer } from '../support/postgres.js';

describe.skipIf(postgresUnavailable !== undefined)('PostgreSQL migrations', () => {
  let server: PostgresServer;
  let dir: string;
  let url: string;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rhythmix-pg-migrate-'));
    url = await server.createDatabase();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function query<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end();
    }
  }
  const tables = async () =>
    (await query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name")).map(
      (r) => r.table_name,
    );
  const migrate = (migrationsDir: string) => migratePostgresql(url, readMigrations(migrationsDir));
  function copyMigrations(): string {
    const target = join(dir, 'migrations');
    cpSync(DEFAULT_POSTGRESQL_MIGRATIONS_DIR, target, { recursive: true });
    return target;
  }
  function addMigration(migrations: string, name: string, sql: string): void {
    mkdirSync(join(migrations, name));
    writeFileSync(join(migrations, name, 'migration.sql'), sql);
  }

  it('opening creates every table and records each migration like Prisma; opening again applies nothing', async () => {
    const opened = await openDatabase(url);
    await opened.close();
    expect(opened.provider).toBe('postgresql');
    expect(opened.migrations.applied).toEqual(readMigrations(DEFAULT_POSTGRESQL_MIGRATIONS_DIR).map((m) => m.name));
    expect(await tables()).toEqual(['Guild', 'ModelVersion', 'PendingJob', 'Piece', 'Rating', 'RetrainRun', 'TakePair', 'User', '_prisma_migrations']);
    const rows = await query<Record<string, unknown>>('SELECT * FROM "_prisma_migrations" ORDER BY started_at, migration_name');
    const first = readMigrations(DEFAULT_POSTGRESQL_MIGRATIONS_DIR)[0]!;
    expect(rows[0]).toMatchObject({ migration_name: first.name, checksum: checksumOf(first.sql), applied_steps_count: 1, rolled_back_at: null, logs: null });
    expect(rows[0]!.finished_at).toBeInstanceOf(Date);

    const again = await openDatabase(url);
    await again.close();
    expect(again.migrations.applied).toEqual([]);
    expect(again.migrations.alreadyApplied).toEqual(opened.migrations.applied);
    expect(await query('SELECT 1 FROM "_prisma_migrations"')).toHaveLength(rows.length);
  });

  it('applies a new migration added later, and only that one', async () => {
    const migrations = copyMigrations();
    await migrate(migrations);
    addMigration(migrations, '29990101000000_add_note', 'ALTER TABLE "Piece" ADD COLUMN "note" TEXT;\n');
    expect((await migrate(migrations)).applied).toEqual(['29990101000000_add_note']);
    expect(await query("SELECT 1 FROM information_schema.columns WHERE table_name = 'Piece' AND column_name = 'note'")).toHaveLength(1);
  });

  it('refuses to run when an applied migration was edited, changing nothing', async () => {
    const migrations = copyMigrations();
    await migrate(migrations);
    const first = readMigrations(migrations)[0]!;
    writeFileSync(join(migrations, first.name, 'migration.sql'), `${first.sql}\n-- edited\n`);
    addMigration(migrations, '29990101000000_more', 'CREATE TABLE "Extra" ("id" INTEGER NOT NULL PRIMARY KEY);\n');
    await expect(migrate(migrations)).rejects.toThrow(MigrationError);
    await expect(migrate(migrations)).rejects.toThrow(new RegExp(`migration ${first.name} was edited after it was applied`));
    expect(await tables()).not.toContain('Extra');
  });

  it('refuses a database that has migrations this version does not know', async () => {
    const migrations = copyMigrations();
    addMigration(migrations, '29990101000000_future', 'CREATE TABLE "Future" ("id" INTEGER NOT NULL PRIMARY KEY);\n');
    await migrate(migrations);
    rmSync(join(migrations, '29990101000000_future'), { recursive: true });
    await expect(migrate(migrations)).rejects.toThrow(/does not have/);
  });

  it('a failing migration leaves no trace and can be retried once fixed', async () => {
    const migrations = copyMigrations();
    await migrate(migrations);
    addMigration(migrations, '29990101000000_broken', 'CREATE TABLE "Half" ("id" INTEGER NOT NULL PRIMARY KEY);\nTHIS IS NOT SQL;\n');
    await expect(migrate(migrations)).rejects.toThrow(/29990101000000_broken failed, the database is unchanged/);
    expect(await tables()).not.toContain('Half');
    expect(await query('SELECT 1 FROM "_prisma_migrations" WHERE migration_name = \'29990101000000_broken\'')).toEqual([]);
    writeFileSync(join(migrations, '29990101000000_broken', 'migration.sql'), 'CREATE TABLE "Half" ("id" INTEGER NOT NULL PRIMARY KEY);\n');
    expect((await migrate(migrations)).applied).toEqual(['29990101000000_broken']);
    expect(await tables()).toContain('Half');
  });

  it('several openers at once, each on its own connection, apply each migration exactly once', async () => {
    const opened = await Promise.all(Array.from({ length: 4 }, () => openDatabase(url)));
    await Promise.all(opened.map((db) => db.close()));
    const total = readMigrations(DEFAULT_POSTGRESQL_MIGRATIONS_DIR).length;
    expect(opened.reduce((sum, db) => sum + db.migrations.applied.length, 0)).toBe(total);
    expect(await query('SELECT 1 FROM "_prisma_migrations"')).toHaveLength(total);
  });

  it('a server that does not answer is named (without its password) with what to check', async () => {
    const unused = server
      .url('nowhere')
      .replace(/:(\d+)\//, ':1/')
      .replace('rhythmix@', 'rhythmix:secret@');
    const error = (await openDatabase(unused).then(
      (db) => db.close(),
      (e: unknown) => e,
    )) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(
      /^cannot connect to the PostgreSQL database postgresql:\/\/rhythmix:\*\*\*@127\.0\.0\.1:1\/nowhere: .* — check DATABASE_URL and that the server is running$/,
    );
    expect(error.message).not.toContain('secret');
  });
});
