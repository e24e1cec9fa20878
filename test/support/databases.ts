/**
 * Runs the same tests against both databases: SQLite files in a temporary folder, and databases
 * on a throwaway PostgreSQL server (test/support/postgres.ts), one server per test file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { openDatabase, type DatabaseProvider, type OpenedDatabase } from '../../src/db/index.js';
import { postgresUnavailable, startPostgres, type PostgresServer } from './postgres.js';

/** SQLite always; PostgreSQL where its server binaries are installed (postgres.ts says why not). */
export const PROVIDERS: readonly DatabaseProvider[] = postgresUnavailable ? ['sqlite'] : ['sqlite', 'postgresql'];

/** Empty databases of one provider: `fresh()` makes one (new file or CREATE DATABASE) and returns its URL. */
export function databaseFactory(provider: DatabaseProvider): { fresh(): Promise<string> } {
  let server: PostgresServer | undefined;
  let dir: string | undefined;
  let count = 0;
  beforeAll(async () => {
    if (provider === 'postgresql') server = await startPostgres();
    else dir = mkdtempSync(join(tmpdir(), 'rhythmix-db-'));
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    fresh: async () => (server ? server.createDatabase() : `file:${join(dir!, `test-${++count}.db`)}`),
  };
}

/** Opens a fresh database before each test and closes it after; `use` receives it. */
export function freshDatabaseEachTest(provider: DatabaseProvider, use: (db: OpenedDatabase) => void): void {
  const databases = databaseFactory(provider);
  let db: OpenedDatabase | undefined;
  beforeEach(async () => {
    db = await openDatabase(await databases.fresh());
    use(db);
  });
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });
}
