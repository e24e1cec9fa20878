// The hand-written migrations must produce exactly the tables the Prisma schema (and so the
// generated clients) expects, on SQLite and on PostgreSQL: every scalar field a column of the
// right type and nullability, every @unique / @@unique / @@index an index with Prisma's name,
// every relation a foreign key with its onDelete action. Catches a schema edit that was not given
// a migration (for either database) and a PostgreSQL migration that differs from the SQLite one.
import { readFileSync } from 'node:fs';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  databaseFileFromUrl,
  migrateFile,
  migratePostgresql,
  readMigrations,
  DEFAULT_POSTGRESQL_MIGRATIONS_DIR,
  type DatabaseProvider,
} from '../../src/db/index.js';
import { POSTGRESQL_SCHEMA_PATH, postgresqlSchema } from '../../scripts/prisma-schemas.mjs';
import { databaseFactory, PROVIDERS } from '../support/databases.js';

const COLUMN_TYPES: Record<DatabaseProvider, Record<string, string>> = {
  sqlite: { String: 'TEXT', Int: 'INTEGER', BigInt: 'BIGINT', Float: 'REAL', Boolean: 'BOOLEAN', DateTime: 'DATETIME', Bytes: 'BLOB' },
  postgresql: {
    String: 'text',
    Int: 'integer',
    BigInt: 'bigint',
    Float: 'double precision',
    Boolean: 'boolean',
    DateTime: 'timestamp(3)',
    Bytes: 'bytea',
  },
};
const ON_DELETE: Record<string, string> = { Cascade: 'CASCADE', SetNull: 'SET NULL', Restrict: 'RESTRICT', NoAction: 'NO ACTION', SetDefault: 'SET DEFAULT' };

interface Column {
  type: string;
  nullable: boolean;
  id: boolean;
}
interface Index {
  unique: boolean;
  columns: string[];
}
interface ForeignKey {
  references: string;
  to: string[];
  onDelete: string;
}
interface TableSpec {
  columns: Record<string, Column>;
  indexes: Record<string, Index>;
  /** Keyed by the referencing columns, joined with commas. */
  foreignKeys: Record<string, ForeignKey>;
}

const list = (text: string) => text.split(',').map((c) => c.trim());

function parseSchema(text: string, provider: DatabaseProvider): Map<string, TableSpec> {
  const types = COLUMN_TYPES[provider];
  const models = new Map<string, TableSpec>();
  for (const match of text.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)) {
    const [, name, body] = match as unknown as [string, string, string];
    const spec: TableSpec = { columns: {}, indexes: {}, foreignKeys: {} };
    for (const raw of body.split('\n')) {
      const line = raw.replace(/\/\/.*$/, '').trim();
      const block = /^@@(unique|index)\(\[([^\]]+)\]/.exec(line);
      if (block) {
        const columns = list(block[2]!);
        const unique = block[1] === 'unique';
        spec.indexes[`${name}_${columns.join('_')}_${unique ? 'key' : 'idx'}`] = { unique, columns };
        continue;
      }
      const relation = /^\w+\s+(\w+)\??\s+@relation\(.*fields:\s*\[([^\]]+)\],\s*references:\s*\[([^\]]+)\],\s*onDelete:\s*(\w+)/.exec(line);
      if (relation) {
        spec.foreignKeys[list(relation[2]!).join(',')] = { references: relation[1]!, to: list(relation[3]!), onDelete: ON_DELETE[relation[4]!]! };
        continue;
      }
      const field = /^(\w+)\s+(\w+)(\?|\[\])?(.*)$/.exec(line);
      if (!field || !(field[2]! in types)) continue; // relation fields have no column
      const [, column, type, modifier, attributes] = field as unknown as [string, string, string, string | undefined, string];
      const id = attributes.includes('@id');
      spec.columns[column] = { type: types[type]!, nullable: modifier === '?' && !id, id };
      if (attributes.includes('@unique')) spec.indexes[`${name}_${column}_key`] = { unique: true, columns: [column] };
    }
    models.set(name, spec);
  }
  return models;
}

interface Described {
  tables: string[];
  specs: Map<string, TableSpec>;
}

function describeSqlite(file: string, models: Iterable<string>): Described {
  const db = new Sqlite(file, { readonly: true });
  try {
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != '_prisma_migrations'").all() as Array<{
        name: string;
      }>
    ).map((t) => t.name);
    const specs = new Map<string, TableSpec>();
    for (const name of models) {
      const columns = db.prepare(`PRAGMA table_info("${name}")`).all() as Array<{ name: string; type: string; notnull: number; pk: number }>;
      const indexes = (db.prepare(`PRAGMA index_list("${name}")`).all() as Array<{ name: string; unique: number; origin: string }>).filter(
        (index) => index.origin === 'c',
      );
      const foreignKeys = db.prepare(`PRAGMA foreign_key_list("${name}")`).all() as Array<{
        id: number;
        table: string;
        from: string;
        to: string;
        on_delete: string;
      }>;
      const grouped = new Map<number, typeof foreignKeys>();
      for (const key of foreignKeys) grouped.set(key.id, [...(grouped.get(key.id) ?? []), key]);
      specs.set(name, {
        columns: Object.fromEntries(columns.map((c) => [c.name, { type: c.type, nullable: c.notnull === 0 && c.pk === 0, id: c.pk === 1 }])),
        indexes: Object.fromEntries(
          indexes.map((i) => [
            i.name,
            { unique: i.unique === 1, columns: (db.prepare(`PRAGMA index_info("${i.name}")`).all() as Array<{ name: string }>).map((c) => c.name) },
          ]),
        ),
        foreignKeys: Object.fromEntries(
          [...grouped.values()].map((keys) => [
            keys.map((k) => k.from).join(','),
            { references: keys[0]!.table, to: keys.map((k) => k.to), onDelete: keys[0]!.on_delete },
          ]),
        ),
      });
    }
    return { tables, specs };
  } finally {
    db.close();
  }
}

const PG_ON_DELETE: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

async function describePostgresql(url: string, models: Iterable<string>): Promise<Described> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name != '_prisma_migrations'",
    );
    const specs = new Map<string, TableSpec>();
    for (const name of models) {
      const { rows: columns } = await client.query<{ column_name: string; data_type: string; datetime_precision: number | null; is_nullable: string }>(
        "SELECT column_name, data_type, datetime_precision, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
        [name],
      );
      const { rows: indexes } = await client.query<{ name: string; unique: boolean; primary: boolean; columns: string[] }>(
        `SELECT i.relname AS name, ix.indisunique AS unique, ix.indisprimary AS primary, array_agg(a.attname::text ORDER BY k.ord) AS columns
           FROM pg_index ix
           JOIN pg_class t ON t.oid = ix.indrelid
           JOIN pg_class i ON i.oid = ix.indexrelid
           JOIN pg_namespace n ON n.oid = t.relnamespace
           CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
           JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
          WHERE n.nspname = 'public' AND t.relname = $1
          GROUP BY i.relname, ix.indisunique, ix.indisprimary`,
        [name],
      );
      const { rows: foreignKeys } = await client.query<{ references: string; from: string[]; to: string[]; on_delete: string }>(
        `SELECT r.relname AS references, c.confdeltype AS on_delete,
                (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS from,
                (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) AS to
           FROM pg_constraint c
           JOIN pg_class t ON t.oid = c.conrelid
           JOIN pg_class r ON r.oid = c.confrelid
           JOIN pg_namespace n ON n.oid = t.relnamespace
          WHERE c.contype = 'f' AND n.nspname = 'public' AND t.relname = $1`,
        [name],
      );
      const primary = indexes.find((i) => i.primary);
      specs.set(name, {
        columns: Object.fromEntries(
          columns.map((c) => [
            c.column_name,
            {
              type: c.data_type === 'timestamp without time zone' ? `timestamp(${c.datetime_precision})` : c.data_type,
              nullable: c.is_nullable === 'YES',
              id: primary?.columns.includes(c.column_name) ?? false,
            },
          ]),
        ),
        indexes: Object.fromEntries(indexes.filter((i) => !i.primary).map((i) => [i.name, { unique: i.unique, columns: i.columns }])),
        foreignKeys: Object.fromEntries(
          foreignKeys.map((k) => [k.from.join(','), { references: k.references, to: k.to, onDelete: PG_ON_DELETE[k.on_delete]! }]),
        ),
      });
    }
    return { tables: tables.map((t) => t.table_name), specs };
  } finally {
    await client.end();
  }
}

const schemaText = readFileSync(new URL('../../prisma/schema.prisma', import.meta.url), 'utf8');

describe.each(PROVIDERS)('%s migrations match prisma/schema.prisma', (provider) => {
  const models = parseSchema(schemaText, provider);
  const databases = databaseFactory(provider);
  let described: Described;

  it('has a table for every model and nothing else', async () => {
    const url = await databases.fresh();
    if (provider === 'sqlite') {
      const file = databaseFileFromUrl(url);
      migrateFile(file);
      described = describeSqlite(file, models.keys());
    } else {
      await migratePostgresql(url, readMigrations(DEFAULT_POSTGRESQL_MIGRATIONS_DIR));
      described = await describePostgresql(url, models.keys());
    }
    expect([...described.tables].sort()).toEqual([...models.keys()].sort());
  });

  it.each([...models.keys()])('%s: columns, types, nullability, indexes and foreign keys', (name) => {
    expect(described.specs.get(name)).toEqual(models.get(name));
  });
});

describe('the PostgreSQL schema and migrations', () => {
  it('prisma/postgresql/schema.prisma is prisma/schema.prisma with the PostgreSQL provider (npm run db:generate rewrites it)', () => {
    expect(readFileSync(new URL(`../../${POSTGRESQL_SCHEMA_PATH}`, import.meta.url), 'utf8')).toBe(postgresqlSchema(schemaText));
  });

  it('has the same migrations, by name, as SQLite', () => {
    expect(readMigrations(DEFAULT_POSTGRESQL_MIGRATIONS_DIR).map((m) => m.name)).toEqual(readMigrations().map((m) => m.name));
  });
});
