// Prisma CLI configuration (Prisma 7 reads the datasource URL from here, not from the schema).
// The app itself applies the migrations at start-up (src/db/migrate.ts) and resolves
// DATABASE_URL the same way: a relative `file:` path is relative to the project folder.
// A postgresql:// URL selects PostgreSQL's schema copy and migrations folder.
import { existsSync } from 'node:fs';
import { defineConfig } from 'prisma/config';

if (existsSync('.env')) process.loadEnvFile('.env');

const url = process.env.DATABASE_URL ?? 'file:./data/rhythmix.db';
const postgresql = /^postgres(ql)?:\/\//i.test(url.trim());

export default defineConfig({
  schema: postgresql ? 'prisma/postgresql/schema.prisma' : 'prisma/schema.prisma',
  migrations: { path: postgresql ? 'prisma/migrations-postgresql' : 'prisma/migrations' },
  datasource: { url },
});
