// The hand-written migrations must produce exactly the tables the Prisma schema (and so the
// generated client) expects: every scalar field a column of the right type and nullability,
// every @unique / @@unique / @@index an index with Prisma's name. Catches a schema edit that
// was not given a migration.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrateFile } from '../../src/db/index.js';

const SQLITE_TYPES: Record<string, string> = {
  String: 'TEXT',
  Int: 'INTEGER',
  BigInt: 'BIGINT',
  Float: 'REAL',
  Boolean: 'BOOLEAN',
  DateTime: 'DATETIME',
  Bytes: 'BLOB',
};

interface ModelSpec {
  columns: Map<string, { type: string; nullable: boolean; id: boolean }>;
  indexes: Map<string, { unique: boolean; columns: string[] }>;
}

function parseSchema(text: string): Map<string, ModelSpec> {
  const models = new Map<string, ModelSpec>();
  for (const match of text.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)) {
    const [, name, body] = match as unknown as [string, string, string];
    const spec: ModelSpec = { columns: new Map(), indexes: new Map() };
    for (const raw of body.split('\n')) {
      const line = raw.replace(/\/\/.*$/, '').trim();
      const block = /^@@(unique|index)\(\[([^\]]+)\]/.exec(line);
      if (block) {
        const columns = block[2]!.split(',').map((c) => c.trim());
        const unique = block[1] === 'unique';
        spec.indexes.set(`${name}_${columns.join('_')}_${unique ? 'key' : 'idx'}`, { unique, columns });
        continue;
      }
      const field = /^(\w+)\s+(\w+)(\?|\[\])?(.*)$/.exec(line);
      if (!field || !(field[2]! in SQLITE_TYPES)) continue; // relation fields have no column
      const [, column, type, modifier, attributes] = field as unknown as [string, string, string, string | undefined, string];
      spec.columns.set(column, { type: SQLITE_TYPES[type]!, nullable: modifier === '?', id: attributes.includes('@id') });
      if (attributes.includes('@unique')) spec.indexes.set(`${name}_${column}_key`, { unique: true, columns: [column] });
    }
    models.set(name, spec);
  }
  return models;
}

describe('migrations match prisma/schema.prisma', () => {
  const models = parseSchema(readFileSync(new URL('../../prisma/schema.prisma', import.meta.url), 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'rhythmix-drift-'));
  const file = join(dir, 'drift.db');
  migrateFile(file);
  const db = new Sqlite(file, { readonly: true });
  const tables = (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != '_prisma_migrations'").all() as Array<{
      name: string;
    }>
  ).map((t) => t.name);
  const described = [...models].map(([name, spec]) => {
    const columns = db.prepare(`PRAGMA table_info("${name}")`).all() as Array<{ name: string; type: string; notnull: number; pk: number }>;
    const indexes = (db.prepare(`PRAGMA index_list("${name}")`).all() as Array<{ name: string; unique: number; origin: string }>)
      .filter((index) => index.origin === 'c')
      .map((index) => ({
        name: index.name,
        unique: index.unique === 1,
        columns: (db.prepare(`PRAGMA index_info("${index.name}")`).all() as Array<{ name: string }>).map((c) => c.name),
      }));
    return { name, spec, columns, indexes };
  });
  db.close();
  rmSync(dir, { recursive: true, force: true });

  it('has a table for every model and nothing else', () => {
    expect([...tables].sort()).toEqual([...models.keys()].sort());
  });

  it.each(described)('$name: columns, types, nullability and indexes', ({ spec, columns, indexes }) => {
    expect(Object.fromEntries(columns.map((c) => [c.name, { type: c.type, nullable: c.notnull === 0 && c.pk === 0, id: c.pk === 1 }]))).toEqual(
      Object.fromEntries([...spec.columns].map(([column, info]) => [column, { ...info, nullable: info.nullable && !info.id }])),
    );
    expect(Object.fromEntries(indexes.map((i) => [i.name, { unique: i.unique, columns: i.columns }]))).toEqual(Object.fromEntries(spec.indexes));
  });
});
