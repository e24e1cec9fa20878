/**
 * `rhythmix db backup FILE`: a consistent copy of the live database through SQLite's online
 * backup API (better-sqlite3's `backup()`), safe while the bot reads and writes — the copy is the
 * database as of one moment, never a torn file. The copy is checked (`PRAGMA integrity_check`)
 * and switched out of WAL mode before it takes its name, so it is one self-contained file:
 * restoring is copying it over the database file while Rhythmix is stopped (docs/reliability.md).
 */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import Sqlite from 'better-sqlite3';
import { InvalidInputError, RhythmixError } from '../util/errors.js';

export interface BackupResult {
  /** The database copied. */
  readonly source: string;
  /** The backup file written. */
  readonly target: string;
  readonly bytes: number;
  readonly pages: number;
}

/** Integrity check of an SQLite file: 'ok', or the first problems SQLite names. */
export function integrityCheck(file: string): string {
  const db = new Sqlite(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
    return rows.map((row) => row.integrity_check).join('; ');
  } finally {
    db.close();
  }
}

/** Copies the database file `source` to `target` (refused if `target` exists, unless `overwrite`). */
export async function backupDatabase(source: string, target: string, options: { overwrite?: boolean } = {}): Promise<BackupResult> {
  const to = resolve(target);
  if (!existsSync(source)) throw new InvalidInputError(`no database at ${source} — check DATABASE_URL`);
  if (resolve(source) === to) throw new InvalidInputError('the backup file must not be the database itself');
  if (existsSync(to) && !options.overwrite) throw new InvalidInputError(`${to} exists; pass --force to overwrite it`);
  const partial = `${to}.partial`;
  rmSync(partial, { force: true });
  const db = new Sqlite(source, { fileMustExist: true, timeout: 5000 });
  let pages: number;
  try {
    pages = (await db.backup(partial)).totalPages;
  } catch (error) {
    rmSync(partial, { force: true });
    throw new RhythmixError(`backup of ${source} failed: ${error instanceof Error ? error.message : String(error)}`, { exitCode: 1, cause: error });
  } finally {
    db.close();
  }
  const copy = new Sqlite(partial);
  try {
    // One file, no -wal beside it: a restore is one copy.
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
  const integrity = integrityCheck(partial);
  if (integrity !== 'ok') {
    rmSync(partial, { force: true });
    throw new RhythmixError(`the backup of ${source} failed its integrity check: ${integrity.slice(0, 200)}`, { exitCode: 1 });
  }
  renameSync(partial, to);
  return { source, target: to, bytes: statSync(to).size, pages };
}
