import { describe, expect, it } from 'vitest';
import type { OpenedDatabase } from '../../src/db/index.js';
import { freshDatabaseEachTest, PROVIDERS } from '../support/databases.js';

describe.each(PROVIDERS)('transactions (%s)', (provider) => {
  let db: OpenedDatabase;
  freshDatabaseEachTest(provider, (opened) => (db = opened));

  it('a write made while another transaction is open survives that transaction rolling back', async () => {
    let insideTransaction!: () => void;
    const transactionOpen = new Promise<void>((resolve) => (insideTransaction = resolve));
    let letItFail!: () => void;
    const failNow = new Promise<void>((resolve) => (letItFail = resolve));
    const failing = db.prisma
      .$transaction(async (tx) => {
        await tx.user.create({ data: { id: 'rolled-back' } });
        insideTransaction();
        await failNow;
        throw new Error('abort this transaction');
      })
      .catch((error: unknown) => error);
    await transactionOpen;
    let written = false;
    const independent = db.prisma.user.create({ data: { id: 'independent' } }).then(() => (written = true));
    if (provider === 'sqlite') {
      // SQLite has one shared connection: the write waits for the transaction instead of joining it.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(written).toBe(false);
    } else {
      // PostgreSQL's pool gives the write a connection of its own: it commits while the transaction is open.
      await independent;
      expect(written).toBe(true);
    }
    letItFail();
    expect(await failing).toBeInstanceOf(Error);
    await independent;
    const ids = (await db.prisma.user.findMany()).map((u) => u.id);
    expect(ids).toEqual(['independent']);
  });
});
