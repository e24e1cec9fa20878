import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../../src/db/index.js';

let dir: string;
let db: OpenedDatabase;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rhythmix-tx-'));
  db = await openDatabase(`file:${join(dir, 'tx.db')}`);
});
afterEach(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('transactions on the shared SQLite connection', () => {
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
    await new Promise((resolve) => setTimeout(resolve, 50));
    // It waits for the transaction instead of joining it.
    expect(written).toBe(false);
    letItFail();
    expect(await failing).toBeInstanceOf(Error);
    await independent;
    const ids = (await db.prisma.user.findMany()).map((u) => u.id);
    expect(ids).toEqual(['independent']);
  });
});
