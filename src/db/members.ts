/** Guilds and users are created on first sight and their display names kept current. */
import type { Prisma, PrismaClient } from './generated/sqlite/client.js';

/** A client or an interactive transaction: repositories work inside either. */
export type Db = PrismaClient | Prisma.TransactionClient;

export interface Member {
  readonly id: string;
  readonly name?: string | null;
}

/** The guild and user id used for work done on the command line. */
export const CLI_ID = 'cli';

export async function ensureGuild(db: Db, guild: Member): Promise<void> {
  await db.guild.upsert({
    where: { id: guild.id },
    create: { id: guild.id, name: guild.name ?? null },
    update: guild.name == null ? {} : { name: guild.name },
  });
}

export async function ensureUser(db: Db, user: Member): Promise<void> {
  await db.user.upsert({
    where: { id: user.id },
    create: { id: user.id, name: user.name ?? null },
    update: user.name == null ? {} : { name: user.name },
  });
}
