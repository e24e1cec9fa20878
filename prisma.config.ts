// Prisma CLI configuration (Prisma 7 reads the datasource URL from here, not from the schema).
// The app itself applies prisma/migrations at start-up (src/db/migrate.ts) and resolves
// DATABASE_URL the same way: a relative `file:` path is relative to the project folder.
import { existsSync } from 'node:fs';
import { defineConfig } from 'prisma/config';

if (existsSync('.env')) process.loadEnvFile('.env');

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'file:./data/rhythmix.db' },
});
