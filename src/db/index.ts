/** The database: open it (migrations applied) and the repositories over it. */
export { openDatabase, migrateFile, PrismaClient, type OpenedDatabase, type OpenDatabaseOptions } from './client.js';
export {
  applyMigrations,
  readMigrations,
  checksumOf,
  MigrationError,
  DEFAULT_MIGRATIONS_DIR,
  DEFAULT_POSTGRESQL_MIGRATIONS_DIR,
  type Migration,
  type MigrationResult,
} from './migrate.js';
export { applyPostgresqlMigrations, migratePostgresql } from './migrate-postgresql.js';
export { databaseFileFromUrl, databaseProvider, redactedDatabaseUrl, DEFAULT_DATABASE_URL, type DatabaseProvider } from './url.js';
export { backupDatabase, integrityCheck, type BackupResult } from './backup.js';
export { ensureGuild, ensureUser, CLI_ID, type Db, type Member } from './members.js';
export * from './pieces.js';
export * from './ratings.js';
export * from './rating-score.js';
export * from './model-versions.js';
export * from './retrain-runs.js';
export type { JsonObject, JsonValue } from './encoding.js';
export * from './pending-jobs.js';
export * from './takes.js';
export * from './gallery.js';
