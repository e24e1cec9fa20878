#!/usr/bin/env node
// Generates the Prisma clients (npm run db:generate, part of the build): src/db/generated/sqlite
// from prisma/schema.prisma and src/db/generated/postgresql from its PostgreSQL copy
// prisma/postgresql/schema.prisma, which this script derives first (scripts/prisma-schemas.mjs).
// Prisma 7's CLI insists on a schema-engine binary even for `generate`, which never runs it;
// the binary would be downloaded, which this project never does. Pointing the variable at
// any executable (node itself, so it works on every platform) satisfies the check.
// Skipped when the schema and Prisma's version are those of the last generation (stamp file),
// so parallel builds do not rewrite the clients under each other; `--force` regenerates.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { POSTGRESQL_SCHEMA_PATH, postgresqlSchema } from './prisma-schemas.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const prismaDir = dirname(require.resolve('prisma/package.json'));
const cli = join(prismaDir, 'build', 'index.js');
const output = join(root, 'src', 'db', 'generated');
const stamp = join(output, '.schema.sha256');

const sqliteSchema = readFileSync(join(root, 'prisma', 'schema.prisma'), 'utf8');
const pgSchemaFile = join(root, POSTGRESQL_SCHEMA_PATH);
const pgSchema = postgresqlSchema(sqliteSchema);
if (!existsSync(pgSchemaFile) || readFileSync(pgSchemaFile, 'utf8') !== pgSchema) {
  mkdirSync(dirname(pgSchemaFile), { recursive: true });
  writeFileSync(pgSchemaFile, pgSchema);
}

const force = process.argv.includes('--force');
const want = createHash('sha256')
  .update(sqliteSchema)
  .update(pgSchema)
  .update(readFileSync(join(prismaDir, 'package.json')))
  .digest('hex');
const generated = ['sqlite', 'postgresql'].every((provider) => existsSync(join(output, provider, 'client.ts')));
if (!force && generated && existsSync(stamp) && readFileSync(stamp, 'utf8') === want) process.exit(0);

// A checkout built before there were two clients has the SQLite client directly in the folder.
const clients = ['sqlite', 'postgresql'];
if (existsSync(output)) {
  for (const entry of readdirSync(output)) if (!clients.includes(entry)) rmSync(join(output, entry), { recursive: true, force: true });
}

for (const schema of ['prisma/schema.prisma', POSTGRESQL_SCHEMA_PATH]) {
  const result = spawnSync(process.execPath, [cli, 'generate', '--schema', schema], {
    cwd: root,
    stdio: ['ignore', 2, 2],
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
    },
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    process.exitCode = result.status ?? 1;
    process.exit();
  }
}
writeFileSync(stamp, want);
