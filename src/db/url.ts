import { isAbsolute, resolve } from 'node:path';
import { DEFAULT_DATABASE_URL, isPostgresqlUrl, POSTGRESQL_URL_EXAMPLE } from '../config/schema.js';
import { InvalidInputError } from '../util/errors.js';
import { quoteInput } from '../util/text.js';

// Defined with the rest of the configuration; kept here for the database's importers.
export { DEFAULT_DATABASE_URL, isPostgresqlUrl };

export type DatabaseProvider = 'sqlite' | 'postgresql';

/** `postgresql://…` and `postgres://…` select PostgreSQL; everything else is an SQLite file. */
export function databaseProvider(url: string): DatabaseProvider {
  return isPostgresqlUrl(url) ? 'postgresql' : 'sqlite';
}

/**
 * The SQLite file a `DATABASE_URL` names. Accepts `file:./relative.db`, `file:/absolute.db` and
 * bare paths; a relative path is relative to `baseDir` (the folder Rhythmix runs in, like Prisma's
 * CLI which resolves it from prisma.config.ts in the project folder). Query strings are ignored.
 */
export function databaseFileFromUrl(url: string, baseDir: string = process.cwd()): string {
  const trimmed = url.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) && !trimmed.startsWith('file:')) {
    throw new InvalidInputError(
      `DATABASE_URL must name an SQLite file like file:./data/rhythmix.db or a PostgreSQL database like ${POSTGRESQL_URL_EXAMPLE} (got a ${trimmed.split(':')[0]} URL)`,
    );
  }
  const path = trimmed.replace(/^file:(\/\/(?=\/))?/, '').replace(/\?.*$/, '');
  if (path === '' || path === ':memory:') {
    throw new InvalidInputError(`DATABASE_URL must name an SQLite file like file:./data/rhythmix.db (got ${quoteInput(trimmed)})`);
  }
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/** A PostgreSQL URL with its password masked, for logs and messages. */
export function redactedDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgresql://(unparsable URL)';
  }
}
