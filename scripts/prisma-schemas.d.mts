export declare const POSTGRESQL_SCHEMA_PATH: string;
/** The PostgreSQL copy of prisma/schema.prisma (its text in, the copy's text out). */
export declare function postgresqlSchema(sqliteSchema: string): string;
