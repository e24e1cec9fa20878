// The PostgreSQL schema is derived from prisma/schema.prisma (the one to edit): only the
// datasource provider and the generated client's folder differ. Used by prisma-generate.mjs
// and by test/db/schema-drift.test.ts (which checks the committed copy is current).

export const POSTGRESQL_SCHEMA_PATH = 'prisma/postgresql/schema.prisma';

const HEADER = `// Generated from prisma/schema.prisma by scripts/prisma-generate.mjs — do not edit; edit that
// file and run \`npm run db:generate\`. The PostgreSQL client is generated from this copy.

`;

/** @param {string} sqliteSchema the text of prisma/schema.prisma */
export function postgresqlSchema(sqliteSchema) {
  const replace = (text, pattern, replacement) => {
    if (!pattern.test(text)) throw new Error(`prisma/schema.prisma: expected to find ${pattern}`);
    return text.replace(pattern, replacement);
  };
  let schema = replace(sqliteSchema, /(datasource db \{\s*provider\s*=\s*)"sqlite"/, '$1"postgresql"');
  schema = replace(schema, /(output\s*=\s*)"\.\.\/src\/db\/generated\/sqlite"/, '$1"../../src/db/generated/postgresql"');
  return HEADER + schema;
}
