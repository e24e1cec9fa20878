import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Sqlite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checksumOf, DEFAULT_MIGRATIONS_DIR, MigrationError, migrateFile, openDatabase, readMigrations } from '../../src/db/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rhythmix-migrate-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function tables(file: string): string[] {
  const db = new Sqlite(file, { readonly: true });
  try {
    return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>).map(
      (r) => r.name,
    );
  } finally {
    db.close();
  }
}

function copyMigrations(): string {
  const target = join(dir, 'migrations');
  cpSync(DEFAULT_MIGRATIONS_DIR, target, { recursive: true });
  return target;
}

describe('migrations', () => {
  it('the committed migrations are in Prisma layout', () => {
    const migrations = readMigrations();
    expect(migrations.length).toBeGreaterThan(0);
    for (const m of migrations) expect(m.name).toMatch(/^\d{14}_[a-z0-9_]+$/);
    expect(readFileSync(join(DEFAULT_MIGRATIONS_DIR, 'migration_lock.toml'), 'utf8')).toMatch(/provider = "sqlite"/);
  });

  it('creates a fresh database with every table and records each migration like Prisma', async () => {
    const file = join(dir, 'nested', 'folder', 'fresh.db');
    const opened = await openDatabase(`file:${file}`);
    try {
      expect(existsSync(file)).toBe(true);
      expect(opened.migrations.applied).toEqual(readMigrations().map((m) => m.name));
      expect(tables(file)).toEqual(['Guild', 'ModelVersion', 'PendingJob', 'Piece', 'Rating', 'RetrainRun', 'TakePair', 'User', '_prisma_migrations']);
    } finally {
      await opened.close();
    }
    const db = new Sqlite(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const rows = db.prepare('SELECT * FROM _prisma_migrations').all() as Array<Record<string, unknown>>;
      const first = readMigrations()[0]!;
      expect(rows[0]).toMatchObject({ migration_name: first.name, checksum: checksumOf(first.sql), applied_steps_count: 1, rolled_back_at: null, logs: null });
      expect(rows[0]!.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(typeof rows[0]!.finished_at).toBe('number');
    } finally {
      db.close();
    }
  });

  it('a relative DATABASE_URL resolves from the base folder', async () => {
    const opened = await openDatabase('file:./data/x.db', { baseDir: dir });
    await opened.close();
    expect(opened.file).toBe(join(dir, 'data', 'x.db'));
    expect(existsSync(opened.file ?? '')).toBe(true);
  });

  it('re-running is a no-op', () => {
    const file = join(dir, 'again.db');
    const first = migrateFile(file);
    const second = migrateFile(file);
    expect(first.applied.length).toBeGreaterThan(0);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(first.applied);
    const db = new Sqlite(file, { readonly: true });
    expect((db.prepare('SELECT COUNT(*) AS n FROM _prisma_migrations').get() as { n: number }).n).toBe(first.applied.length);
    db.close();
  });

  it('applies a new migration added later, and only that one', () => {
    const migrations = copyMigrations();
    const file = join(dir, 'later.db');
    migrateFile(file, migrations);
    mkdirSync(join(migrations, '29990101000000_add_note'));
    writeFileSync(join(migrations, '29990101000000_add_note', 'migration.sql'), '-- AlterTable\nALTER TABLE "Piece" ADD COLUMN "note" TEXT;\n');
    const result = migrateFile(file, migrations);
    expect(result.applied).toEqual(['29990101000000_add_note']);
    const db = new Sqlite(file, { readonly: true });
    expect((db.prepare('PRAGMA table_info("Piece")').all() as Array<{ name: string }>).map((c) => c.name)).toContain('note');
    db.close();
  });

  it('refuses to run when an applied migration was edited, changing nothing', () => {
    const migrations = copyMigrations();
    const file = join(dir, 'edited.db');
    migrateFile(file, migrations);
    const first = readMigrations(migrations)[0]!;
    writeFileSync(join(migrations, first.name, 'migration.sql'), `${first.sql}\n-- edited\n`);
    mkdirSync(join(migrations, '29990101000000_more'));
    writeFileSync(join(migrations, '29990101000000_more', 'migration.sql'), 'CREATE TABLE "Extra" ("id" INTEGER NOT NULL PRIMARY KEY);\n');
    expect(() => migrateFile(file, migrations)).toThrow(MigrationError);
    expect(() => migrateFile(file, migrations)).toThrow(new RegExp(`migration ${first.name} was edited after it was applied`));
    expect(tables(file)).not.toContain('Extra');
  });

  it('refuses a database that has migrations this version does not know', () => {
    const migrations = copyMigrations();
    const file = join(dir, 'newer.db');
    mkdirSync(join(migrations, '29990101000000_future'));
    writeFileSync(join(migrations, '29990101000000_future', 'migration.sql'), 'CREATE TABLE "Future" ("id" INTEGER NOT NULL PRIMARY KEY);\n');
    migrateFile(file, migrations);
    rmSync(join(migrations, '29990101000000_future'), { recursive: true });
    expect(() => migrateFile(file, migrations)).toThrow(/does not have/);
  });

  it('a failing migration leaves no trace and can be retried once fixed', () => {
    const migrations = copyMigrations();
    const file = join(dir, 'broken.db');
    migrateFile(file, migrations);
    const broken = join(migrations, '29990101000000_broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'migration.sql'), 'CREATE TABLE "Half" ("id" INTEGER NOT NULL PRIMARY KEY);\nTHIS IS NOT SQL;\n');
    expect(() => migrateFile(file, migrations)).toThrow(/29990101000000_broken failed, the database is unchanged/);
    expect(tables(file)).not.toContain('Half');
    writeFileSync(join(broken, 'migration.sql'), 'CREATE TABLE "Half" ("id" INTEGER NOT NULL PRIMARY KEY);\n');
    expect(migrateFile(file, migrations).applied).toEqual(['29990101000000_broken']);
    expect(tables(file)).toContain('Half');
  });

  it('several processes starting at once apply each migration exactly once', async () => {
    const file = join(dir, 'race.db');
    const client = new URL('../../dist/db/client.js', import.meta.url).href;
    const code = `import { migrateFile } from ${JSON.stringify(client)};
      import { parentPort, workerData } from 'node:worker_threads';
      parentPort.postMessage(migrateFile(workerData).applied.length);`;
    const runs = Array.from(
      { length: 4 },
      () =>
        new Promise<number>((resolve, reject) => {
          const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), { workerData: file });
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    );
    const applied = await Promise.all(runs);
    const total = readMigrations().length;
    expect(applied.reduce((a, b) => a + b, 0)).toBe(total);
    const db = new Sqlite(file, { readonly: true });
    expect((db.prepare('SELECT COUNT(*) AS n FROM _prisma_migrations').get() as { n: number }).n).toBe(total);
    db.close();
  });

  it('a database path that cannot be opened says which and what to check', async () => {
    writeFileSync(join(dir, 'file'), 'x');
    await expect(openDatabase(`file:${join(dir, 'file', 'sub.db')}`)).rejects.toThrow(/^cannot open the database .*sub\.db: .* — check DATABASE_URL$/);
    mkdirSync(join(dir, 'folder.db'));
    await expect(openDatabase(`file:${join(dir, 'folder.db')}`)).rejects.toThrow(/^cannot open the database .*folder\.db: .* — check DATABASE_URL$/);
  });

  it('rejects URLs that are neither SQLite files nor PostgreSQL databases', async () => {
    await expect(openDatabase('mysql://localhost/rhythmix')).rejects.toThrow(/must name an SQLite file .* or a PostgreSQL database .*got a mysql URL/);
    await expect(openDatabase('file::memory:')).rejects.toThrow(/must name an SQLite file/);
  });
});
