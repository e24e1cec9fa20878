import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { interruptedReply, parseRetryButtonId, requestFromJson, requestToJson, retryButtonId } from '../../src/bot/compose/interrupted.js';
import { leftoverJobs, recoverInterruptedJobs, RETRY_OFFER_MS, removeStrayWorkFolders } from '../../src/bot/compose/recovery.js';
import type { BotContext } from '../../src/bot/context.js';
import type { Logger } from '../../src/util/logger.js';
import type { ComposeJobRequest } from '../../src/bot/compose/service.js';
import { claimInterruptedJob, createPendingJob, markPendingJobInterrupted, openDatabase, type OpenedDatabase } from '../../src/db/index.js';

let dir: string;
let db: OpenedDatabase;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rhythmix-recovery-'));
  db = await openDatabase(`file:${join(dir, 'test.db')}`);
});
afterEach(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

const REQUEST: ComposeJobRequest = {
  kind: 'variation',
  parentId: 7,
  input: { style: 'jazz', bars: 4, instruments: ['piano', 'bass'] },
  midi: { path: '/data/pieces/7/piece.mid', name: 'piece-7.mid' },
  play: true,
};

const pendingJob = (userId: string, guildId: string | null = '4') =>
  createPendingJob(db.prisma, {
    kind: REQUEST.kind,
    request: requestToJson(REQUEST),
    interactionId: '1',
    interactionToken: 'secret-token',
    applicationId: '2',
    channelId: '3',
    guildId,
    userId,
    tokenExpiresAt: new Date(Date.now() + 600_000),
  });

describe('interrupted composes', () => {
  it('a stored request comes back as it was queued; a row this version cannot read gives undefined', async () => {
    const row = await pendingJob('alice');
    expect(requestFromJson(row.request)).toEqual(REQUEST);
    const harmonize: ComposeJobRequest = { ...REQUEST, useCase: 'harmonize' };
    expect(requestFromJson(requestToJson(harmonize))).toEqual(harmonize);
    expect(requestFromJson({ kind: 'remix', input: {} })).toBeUndefined();
    expect(requestFromJson({ kind: 'original', input: {}, midi: { name: 'x' } })).toBeUndefined();
  });

  it('the interrupted reply replaces the progress text, files and buttons with one Try again button', () => {
    const reply = interruptedReply('original', 12);
    expect(reply.content).toContain('restarted before your piece was done');
    expect([reply.embeds, reply.files]).toEqual([[], []]);
    expect(reply.components.map((row) => row.toJSON().components.map((b) => ('custom_id' in b ? b.custom_id : '')))).toEqual([[retryButtonId(12)]]);
    expect(parseRetryButtonId(retryButtonId(12))).toBe(12);
    expect(parseRetryButtonId('job:retry:x')).toBeUndefined();
    expect(interruptedReply('original', undefined).components).toEqual([]);
  });

  it('leftovers are the unanswered jobs; an offer is claimed once and forgets its token; old offers expire', async () => {
    const unanswered = await pendingJob('alice');
    const offered = await pendingJob('bob');
    const stale = await pendingJob('carol');
    await markPendingJobInterrupted(db.prisma, offered.id);
    await markPendingJobInterrupted(db.prisma, stale.id, new Date(Date.now() - RETRY_OFFER_MS - 1000));

    expect((await leftoverJobs(db.prisma)).map((job) => job.id)).toEqual([unanswered.id]);
    expect(await db.prisma.pendingJob.findUnique({ where: { id: stale.id } })).toBeNull();
    // Not yet offered: a live job cannot be claimed by a button.
    expect(await claimInterruptedJob(db.prisma, unanswered.id)).toBeUndefined();
    const claimed = await claimInterruptedJob(db.prisma, offered.id);
    expect(claimed?.userId).toBe('bob');
    expect(claimed?.interactionToken).toBeNull();
    expect(await claimInterruptedJob(db.prisma, offered.id)).toBeUndefined();
  });

  it("a shard process takes only its own servers' leftovers (the others' may be running), and each job is recovered once", async () => {
    const mine = await pendingJob('alice', 'mine');
    const dm = await pendingJob('bob', null);
    await pendingJob('carol', 'theirs');
    expect((await leftoverJobs(db.prisma, new Date(), (guildId) => guildId === 'mine')).map((job) => job.id)).toEqual([mine.id]);
    expect((await leftoverJobs(db.prisma, new Date(), (guildId) => guildId === null)).map((job) => job.id)).toEqual([dm.id]);

    // Two processes that both hold the job (its server moved between shards): one tells the user.
    const posts: string[] = [];
    const channel = { isSendable: () => true, send: (message: { content: string }) => void posts.push(message.content) };
    const context = (): BotContext =>
      ({
        db,
        logger: { child: () => ({ warn: () => undefined }), info: () => undefined } as unknown as Logger,
        client: { rest: { patch: () => Promise.reject(new Error('no token here')) }, channels: { fetch: () => Promise.resolve(channel) } },
      }) as unknown as BotContext;
    const expired = new Date(Date.now() + 3_600_000);
    const [first, second] = [await leftoverJobs(db.prisma), await leftoverJobs(db.prisma)];
    const reports = await Promise.all([recoverInterruptedJobs(context(), first, expired), recoverInterruptedJobs(context(), second, expired)]);
    expect(posts).toHaveLength(3);
    expect(reports.reduce((sum, report) => sum + report.posted, 0)).toBe(3);
    expect(await leftoverJobs(db.prisma)).toEqual([]);
  });

  it('removes the work folders of dead jobs and nothing else', async () => {
    const pieces = join(dir, 'pieces');
    for (const name of ['.work-abc', '.work-def', '12']) mkdirSync(join(pieces, name), { recursive: true });
    expect(await removeStrayWorkFolders(pieces)).toBe(2);
    expect([existsSync(join(pieces, '.work-abc')), existsSync(join(pieces, '.work-def')), existsSync(join(pieces, '12'))]).toEqual([false, false, true]);
    expect(await removeStrayWorkFolders(join(dir, 'missing'))).toBe(0);
  });
});
