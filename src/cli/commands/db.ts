/**
 * `rhythmix db backup FILE [--force] [--json]`: a consistent copy of the database named by
 * DATABASE_URL, safe while the bot runs (src/db/backup.ts). Restoring: stop Rhythmix, copy the
 * backup over the database file, delete its -wal and -shm files, start again (docs/reliability.md).
 * PostgreSQL has its own tool for this, pg_dump; the command says so.
 */
import type { Command } from 'commander';
import { loadCliConfig } from '../../config/index.js';
import { backupDatabase } from '../../db/backup.js';
import { databaseFileFromUrl, databaseProvider } from '../../db/url.js';
import { formatBytes } from '../../midi/limits.js';
import { RhythmixError } from '../../util/errors.js';

export function register(program: Command): void {
  const db = program.command('db').description('Database maintenance');
  db.command('backup')
    .description('Copy the database to FILE (SQLite online backup: safe while the bot runs)')
    .argument('<file>', 'the backup file to write')
    .option('--force', 'overwrite FILE if it exists')
    .option('--json', 'print one JSON document {source, target, bytes, pages}')
    .action(async (file: string, flags: { force?: boolean; json?: boolean }) => {
      const { databaseUrl } = loadCliConfig();
      if (databaseProvider(databaseUrl) === 'postgresql') {
        throw new RhythmixError(
          'rhythmix db backup copies an SQLite database, and DATABASE_URL names a PostgreSQL one — back it up with pg_dump, e.g. pg_dump --format=custom --file=FILE "$DATABASE_URL" (docs/scaling.md)',
          { exitCode: 1 },
        );
      }
      const source = databaseFileFromUrl(databaseUrl);
      const result = await backupDatabase(source, file, { overwrite: flags.force === true });
      if (flags.json) console.log(JSON.stringify(result));
      else console.log(`backed up ${result.source} → ${result.target} (${formatBytes(result.bytes)}, integrity ok)`);
    });
}
