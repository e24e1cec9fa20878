/**
 * `backupDatabase` (rhythmix db backup): an online copy taken while another process keeps
 * writing is whole (integrity_check ok) and holds the rows written before it; the documented
 * restore — copy the backup over the database file, drop its -wal and -shm — gives a database
 * Rhythmix opens with every row and no migration to apply.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupDatabase, integrityCheck, openDatabase } from '../../src/db/index.js';
import { InvalidInputError } from '../../src/util/errors.js';

const projectRoot = resolve(import.meta.dirname, '../..');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rhythmix-backup-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A second process inserting users one transaction at a time until its stdin closes. */
function startWriter(file: string): { started: Promise<void>; stop: () => Promise<number> } {
  const code = `import Sqlite from 'better-sqlite3';
    const db = new Sqlite(${JSON.stringify(file)}, { timeout: 5000 });
    const insert = db.prepare('INSERT INTO "User" (id, name, createdAt) VALUES (?, ?, ?)');
    let running = true, written = 0;
    process.stdin.on('end', () => (running = false)).resume();
    const step = () => {
      for (let i = 0; i < 50; i++) insert.run('writer-' + written++, 'x'.repeat(200), Date.now());
      if (written === 50) process.stdout.write('started\\n');
      if (running) setImmediate(step); else { db.close(); process.stdout.write('written ' + written + '\\n'); }
    };
    step();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: projectRoot, stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes('started')) markStarted();
  });
  const stop = () =>
    new Promise<number>((resolve, reject) => {
      child.on('exit', (code) => (code === 0 ? resolve(Number(/written (\d+)/.exec(output)?.[1])) : reject(new Error(`writer exited with ${code}`))));
      child.stdin.end();
    });
  return { started, stop };
}

const count = (file: string): number => {
  const db = new Sqlite(file, { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM "User"').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe('backupDatabase', () => {
  it('copies a database that another process is writing to, whole, and the copy restores', async () => {
    const file = join(dir, 'live.db');
    const db = await openDatabase(`file:${file}`);
    await db.prisma.user.createMany({ data: Array.from({ length: 500 }, (_, i) => ({ id: `before-${i}`, name: 'n' })) });
    await db.close();

    const writer = startWriter(file);
    await writer.started;
    const backup = join(dir, 'backups', '..', 'backup.db');
    const result = await backupDatabase(file, backup);
    const written = await writer.stop();

    expect(result).toMatchObject({ source: file, target: resolve(backup) });
    expect(result.pages).toBeGreaterThan(0);
    expect(written).toBeGreaterThan(50);
    expect(integrityCheck(backup)).toBe('ok');
    // Every row written before the backup, and no more than were written in all.
    const copied = count(backup);
    expect(copied).toBeGreaterThanOrEqual(550);
    expect(copied).toBeLessThanOrEqual(500 + written);
    expect(existsSync(`${backup}.partial`)).toBe(false);
    const copy = new Sqlite(backup, { readonly: true });
    expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
    copy.close();

    // The documented restore, onto a database whose -wal and -shm are left over.
    const restored = join(dir, 'restored.db');
    await (await openDatabase(`file:${restored}`)).close();
    copyFileSync(backup, restored);
    rmSync(`${restored}-wal`, { force: true });
    rmSync(`${restored}-shm`, { force: true });
    const reopened = await openDatabase(`file:${restored}`);
    try {
      expect(reopened.migrations.applied).toEqual([]);
      expect(await reopened.prisma.user.count()).toBe(copied);
      expect(await reopened.prisma.user.findUnique({ where: { id: 'before-499' } })).not.toBeNull();
    } finally {
      await reopened.close();
    }
    expect(integrityCheck(restored)).toBe('ok');
  }, 60_000);

  it('refuses a missing database, an existing file (unless told) and the database itself', async () => {
    const file = join(dir, 'db.db');
    await expect(backupDatabase(file, join(dir, 'b.db'))).rejects.toThrow(/no database at/);
    await (await openDatabase(`file:${file}`)).close();
    const target = join(dir, 'b.db');
    await backupDatabase(file, target);
    await expect(backupDatabase(file, target)).rejects.toThrow(new InvalidInputError(`${target} exists; pass --force to overwrite it`));
    await expect(backupDatabase(file, target, { overwrite: true })).resolves.toMatchObject({ target });
    await expect(backupDatabase(file, file)).rejects.toThrow(/must not be the database itself/);
  });
});
