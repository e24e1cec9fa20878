import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../../src/db/index.js';
import { freshDatabaseEachTest, PROVIDERS } from '../support/databases.js';

describe.each(PROVIDERS)('transactions (%s)', (provider) => {
  let db: OpenedDatabase;
  freshDatabaseEachTest(provider, (opened) => (db = opened));

  it('a write made while another transaction is open survives that transaction rolling back', async () => {
    let insideTransaction!: () => void;
    const transactionOpen = new Promise<void>((resolve) => (insideTransaction = resolve));
    let letItFail!: () => void;
    const failNow = new Promise<void>((resolve) => (letItFail = resolve));
    const failing = db.prisma
      .$transaction(async (tx) => {
        await tx.user.create({ data: { id: 'rolled-back' } });
        insideTransaction();
        await failNow;
        throw new Error('abort this transaction');
      })
      .catch((error: unknown) => error);
    await transactionOpen;
    let written = false;
    const independent = db.prisma.user.create({ data: { id: 'independent' } }).then(() => (written = true));
    if (provider === 'sqlite') {
      // SQLite has one shared connection: the write waits for the transaction instead of joining it.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(written).toBe(false);
    } else {
      // PostgreSQL's pool gives the write a connection of its own: it commits while the transaction is open.
      await independent;
      expect(written).toBe(true);
    }
    letItFail();
    expect(await failing).toBeInstanceOf(Error);
    await independent;
    const ids = (await db.prisma.user.findMany()).map((u) => u.id);
    expect(ids).toEqual(['independent']);
  });
});

describe('transactions across processes sharing the file (the shards of a sharded bot)', () => {
  let dir: string;
  let db: OpenedDatabase;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rhythmix-tx-'));
    db = await openDatabase(`file:${join(dir, 'tx.db')}`);
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a read-then-write transaction waits for another process that holds the write lock instead of failing with "database is locked"', async () => {
    const file = join(dir, 'tx.db');
    // Another process takes the write lock, changes a row, and commits a moment later.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const db = new (require('better-sqlite3'))(process.argv[1]);
         db.exec('BEGIN IMMEDIATE');
         db.exec('UPDATE "_prisma_migrations" SET applied_steps_count = applied_steps_count');
         process.stdout.write('locked\\n');
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
         db.exec('COMMIT');`,
        file,
      ],
      { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise((resolve) => holder.on('exit', resolve));
    await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
    // Reads first, then writes (as the rating upserts do): with a deferred BEGIN the write would come
    // after the other process's commit on a stale snapshot and fail at once (SQLITE_BUSY).
    const change = await db.prisma.$transaction(async (tx) => {
      const before = await tx.user.count();
      return tx.user.create({ data: { id: `after-${before}` } });
    });
    expect(change.id).toBe('after-0');
    expect(await exited).toBe(0);
  });
});
