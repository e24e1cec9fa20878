/**
 * `rhythmix db backup FILE [--force] [--json]`: a consistent copy of the database named by
 * DATABASE_URL, safe while the bot runs (src/db/backup.ts). Restoring: stop Rhythmix, copy the
 * backup over the database file, delete its -wal and -shm files, start again (docs/reliability.md).
 */
import type { Command } from 'commander';
import { loadCliConfig } from '../../config/index.js';
import { backupDatabase } from '../../db/backup.js';
import { databaseFileFromUrl } from '../../db/url.js';
import { formatBytes } from '../../midi/limits.js';

export function register(program: Command): void {
  const db = program.command('db').description('Database maintenance');
  db.command('backup')
    .description('Copy the database to FILE (SQLite online backup: safe while the bot runs)')
    .argument('<file>', 'the backup file to write')
    .option('--force', 'overwrite FILE if it exists')
    .option('--json', 'print one JSON document {source, target, bytes, pages}')
    .action(async (file: string, flags: { force?: boolean; json?: boolean }) => {
      const source = databaseFileFromUrl(loadCliConfig().databaseUrl);
      const result = await backupDatabase(source, file, { overwrite: flags.force === true });
      if (flags.json) console.log(JSON.stringify(result));
      else console.log(`backed up ${result.source} → ${result.target} (${formatBytes(result.bytes)}, integrity ok)`);
    });
}
