#!/usr/bin/env node
// Generates the Prisma client into src/db/generated (npm run db:generate, part of the build).
// Prisma 7's CLI insists on a schema-engine binary even for `generate`, which never runs it;
// the binary would be downloaded, which this project never does. Pointing the variable at
// any executable (node itself, so it works on every platform) satisfies the check.
// Skipped when the schema and Prisma's version are those of the last generation (stamp file),
// so parallel builds do not rewrite the client under each other; `--force` regenerates.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const prismaDir = dirname(require.resolve('prisma/package.json'));
const cli = join(prismaDir, 'build', 'index.js');
const output = join(root, 'src', 'db', 'generated');
const stamp = join(output, '.schema.sha256');

const force = process.argv.includes('--force');
const want = createHash('sha256')
  .update(readFileSync(join(root, 'prisma', 'schema.prisma')))
  .update(readFileSync(join(prismaDir, 'package.json')))
  .digest('hex');
if (!force && existsSync(join(output, 'client.ts')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === want) process.exit(0);

const result = spawnSync(process.execPath, [cli, 'generate'], {
  cwd: root,
  stdio: ['ignore', 2, 2],
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  },
});
if (result.error) throw result.error;
if (result.status === 0) writeFileSync(stamp, want);
process.exitCode = result.status ?? 1;
