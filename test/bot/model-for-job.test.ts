import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BotContext } from '../../src/bot/context.js';
import { modelForJob } from '../../src/bot/compose/service.js';
import { activateModelVersion, openDatabase, registerModelVersion, type OpenedDatabase } from '../../src/db/index.js';
import { createLogger } from '../../src/util/logger.js';

/**
 * Each compose job asks which model serves the guild when it starts, so a switch needs no
 * restart. The global model is the registry's current one, resolved in the job's child process
 * (undefined here); a guild's own active variant and RHYTHMIX_MODEL are passed explicitly.
 */
describe('modelForJob', () => {
  let dir: string;
  let db: OpenedDatabase;
  const context = (model?: string) => ({ db, config: { model }, logger: createLogger({ level: 'silent' }) }) as unknown as BotContext;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rhythmix-model-for-job-'));
    db = await openDatabase(`file:${path.join(dir, 'test.db')}`);
  });

  afterAll(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves the global model to the composer, or RHYTHMIX_MODEL when set', async () => {
    await registerModelVersion(db.prisma, { name: 'base-v1' });
    await activateModelVersion(db.prisma, 'base-v1');
    expect(await modelForJob(context(), 'g1')).toBeUndefined();
    expect(await modelForJob(context('my-model'), 'g1')).toBe('my-model');
  });

  it("uses a guild's own active variant for that guild only, switching between jobs", async () => {
    await registerModelVersion(db.prisma, { name: 'g1-taste-1', parentName: 'base-v1', guildId: 'g1' });
    await registerModelVersion(db.prisma, { name: 'g1-taste-2', parentName: 'base-v1', guildId: 'g1' });
    await activateModelVersion(db.prisma, 'g1-taste-1');
    expect(await modelForJob(context('my-model'), 'g1')).toBe('g1-taste-1');
    await activateModelVersion(db.prisma, 'g1-taste-2');
    expect(await modelForJob(context(), 'g1')).toBe('g1-taste-2');
    expect(await modelForJob(context(), 'g2')).toBeUndefined();
    expect(await modelForJob(context(), null)).toBeUndefined();
  });
});
