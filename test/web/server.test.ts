/**
 * The web server's contract without a browser (fastify's inject): what a page may show and what
 * it may not, the opt-in, the lineage tree, the refusals (bad seed, too large, too many) and the
 * security headers. Needs the built pages (`npm run build`: dist/web/public). Composing for real
 * is the browser test's (test/e2e-web).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseRatingEmojis, ratingWeights } from '../../src/config/index.js';
import { addRating, createPiece, setGalleryEnabled, type OpenedDatabase, type StoredPiece } from '../../src/db/index.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { createLogger } from '../../src/util/logger.js';
import { BODY_LIMIT_BYTES, createWebServer } from '../../src/web/server.js';
import { COMPOSES_PER_MINUTE } from '../../src/web/playground-routes.js';
import { freshDatabaseEachTest, PROVIDERS } from '../support/databases.js';

const weights = ratingWeights(parseRatingEmojis('👍=1,👎=-1').emojis);
const OPEN = '111111111111111111';
const CLOSED = '222222222222222222';
const ALICE = { id: '900000000000000001', name: 'alice' };
const BOB = { id: '900000000000000002', name: 'bob' };

describe.each(PROVIDERS)('web server on %s', (provider) => {
  let db: OpenedDatabase;
  freshDatabaseEachTest(provider, (opened) => (db = opened));
  let dir: string;
  let app: FastifyInstance;
  let queue: JobQueue;
  const pieces: Record<string, StoredPiece> = {};

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rhythmix-web-'));
    for (const name of ['a.ogg', 'a.png', 'a.mid', 'score.png', 'piece.musicxml']) writeFileSync(path.join(dir, name), `file ${name}`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeEach(async () => {
    const files = { audioPath: path.join(dir, 'a.ogg'), imagePath: path.join(dir, 'a.png'), midiPath: path.join(dir, 'a.mid') };
    const common = { channelId: '700000000000000001', tempo: 100, bars: 4, parameters: { seconds: 9.6, tracks: ['piano'] }, ...files };
    const guild = { id: OPEN, name: 'Open Server' };
    pieces.root = await createPiece(db.prisma, { ...common, style: 'folk', key: 'D minor', guild, author: ALICE, messageId: '800000000000000001' });
    pieces.variation = await createPiece(db.prisma, {
      ...common,
      style: 'folk',
      key: 'D minor',
      guild,
      author: BOB,
      kind: 'variation',
      parentId: pieces.root.id,
    });
    pieces.continuation = await createPiece(db.prisma, {
      ...common,
      style: 'folk',
      key: 'D minor',
      guild,
      author: ALICE,
      kind: 'continuation',
      parentId: pieces.variation.id,
    });
    // Stored as src/app/store-piece.ts stores an engraved, originality-checked piece.
    pieces.other = await createPiece(db.prisma, {
      ...common,
      style: 'classical',
      key: 'C major',
      guild,
      author: BOB,
      parameters: {
        ...common.parameters,
        request: { meter: '3/4', form: 'AABA' },
        longestCopiedBars: 1.5,
        originality: { copiedFrom: 'train/secret-song.mid', attempts: 2, note: null },
        score: { png: 'score.png', musicxml: 'piece.musicxml' },
      },
    });
    pieces.closed = await createPiece(db.prisma, { ...common, style: 'folk', guild: { id: CLOSED, name: 'Closed Server' }, author: ALICE });
    await setGalleryEnabled(db.prisma, guild, true);
    await addRating(db.prisma, { pieceId: pieces.variation.id, user: ALICE, emoji: '👍' });
    await addRating(db.prisma, { pieceId: pieces.variation.id, user: BOB, emoji: '👍' });
    queue = new JobQueue({ concurrency: 1 });
    app = await createWebServer({ prisma: db.prisma, queue, piecesDir: dir, ratingWeights: weights, logger: createLogger({ level: 'silent' }) });
  });

  afterEach(async () => {
    await app?.close();
    await queue?.close();
  });

  const get = (url: string) => app.inject({ method: 'GET', url });

  it('lists only the servers that opted in, and a closed server answers like none', async () => {
    expect((await get('/api/galleries')).json()).toEqual({ servers: [{ id: OPEN, name: 'Open Server', pieces: 4 }] });
    expect((await get(`/api/galleries/${CLOSED}`)).statusCode).toBe(404);
    expect((await get(`/api/galleries/333333333333333333`)).statusCode).toBe(404);
    expect((await get(`/api/pieces/${pieces.closed!.id}`)).statusCode).toBe(404);
    expect((await get(`/pieces/${pieces.closed!.id}/audio.ogg`)).statusCode).toBe(404);
    expect((await get(`/api/pieces/${pieces.closed!.id}/lineage`)).statusCode).toBe(404);

    await setGalleryEnabled(db.prisma, { id: OPEN }, false);
    expect((await get(`/api/galleries/${OPEN}`)).statusCode).toBe(404);
    expect((await get(`/pieces/${pieces.root!.id}/audio.ogg`)).statusCode).toBe(404);
  });

  it('shows pieces with makers by display name, scores and file URLs, and no user, channel or message ids', async () => {
    const response = await get(`/api/galleries/${OPEN}`);
    expect(response.statusCode).toBe(200);
    const body = response.json<{ server: { name: string }; keys: string[]; pieces: Array<Record<string, unknown>> }>();
    expect(body.server.name).toBe('Open Server');
    expect(body.keys).toEqual(['C major', 'D minor']);
    expect(body.pieces.map((p) => p.id)).toEqual([pieces.other!.id, pieces.continuation!.id, pieces.variation!.id, pieces.root!.id]);
    expect(body.pieces.find((p) => p.id === pieces.variation!.id)).toMatchObject({
      maker: 'bob',
      score: 2,
      voters: 2,
      kind: 'variation',
      parentId: pieces.root!.id,
    });
    for (const secret of [ALICE.id, BOB.id, '700000000000000001', '800000000000000001', dir]) expect(response.body).not.toContain(secret);
    const audio = await get(String(body.pieces[0]!.audio));
    expect(audio.statusCode).toBe(200);
    expect(audio.headers['content-type']).toBe('audio/ogg');
  });

  it("gives a piece's sheet music and originality by the piece's URLs, and none to a piece without them", async () => {
    const body = (await get(`/api/galleries/${OPEN}`)).json<{ pieces: Array<Record<string, unknown>> }>();
    const other = pieces.other!.id;
    const engraved = body.pieces.find((p) => p.id === other)!;
    expect(engraved).toMatchObject({
      scoreImage: `/pieces/${other}/score.png`,
      musicxml: `/pieces/${other}/piece-${other}.musicxml`,
      meter: '3/4',
      form: 'AABA',
      originality: { longestCopiedBars: 1.5 },
    });
    expect(JSON.stringify(engraved)).not.toContain('secret-song');
    expect((await get(`/api/pieces/${other}`)).json()).toMatchObject({ scoreImage: engraved.scoreImage, musicxml: engraved.musicxml });
    const image = await get(String(engraved.scoreImage));
    expect(image.statusCode).toBe(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.body).toBe('file score.png');
    const musicxml = await get(String(engraved.musicxml));
    expect(musicxml.statusCode).toBe(200);
    expect(musicxml.headers['content-disposition']).toBe(`attachment; filename="piece-${other}.musicxml"`);
    expect(musicxml.body).toBe('file piece.musicxml');

    const plain = body.pieces.find((p) => p.id === pieces.root!.id)!;
    expect(plain).toMatchObject({ scoreImage: null, musicxml: null, meter: null, form: null, originality: null });
    expect((await get(`/pieces/${pieces.root!.id}/score.png`)).statusCode).toBe(404);
    expect((await get(`/pieces/${pieces.root!.id}/piece-${pieces.root!.id}.musicxml`)).statusCode).toBe(404);
    // Files are named by the piece's URLs only: no other name, and no path, reaches the disk.
    for (const name of ['piece.musicxml', `piece-${pieces.root!.id}.musicxml`, '..%2Fa.png', 'a.png', `piece-${pieces.root!.id}.mid`])
      expect((await get(`/pieces/${other}/${name}`)).statusCode).toBe(404);
    expect((await get(`/pieces/${pieces.closed!.id}/score.png`)).statusCode).toBe(404);
  });

  it('filters by style, key, week and top rated', async () => {
    const ids = async (query: string) => (await get(`/api/galleries/${OPEN}?${query}`)).json<{ pieces: Array<{ id: number }> }>().pieces.map((p) => p.id);
    expect(await ids('style=classical')).toEqual([pieces.other!.id]);
    expect(await ids('key=D%20minor')).toHaveLength(3);
    expect(await ids('sort=top')).toEqual([pieces.variation!.id]);
    await db.prisma.piece.update({ where: { id: pieces.other!.id }, data: { createdAt: new Date(Date.now() - 30 * 86_400_000) } });
    expect(await ids('period=week')).not.toContain(pieces.other!.id);
    expect(await ids('period=all')).toContain(pieces.other!.id);
  });

  it("draws a piece's lineage from its first piece down, whichever piece of the chain is asked", async () => {
    const tree = (await get(`/api/pieces/${pieces.continuation!.id}/lineage`)).json<{
      tree: { piece: { id: number }; children: Array<{ piece: { id: number; maker: string }; children: Array<{ piece: { id: number } }> }> };
    }>().tree;
    expect(tree.piece.id).toBe(pieces.root!.id);
    expect(tree.children.map((c) => c.piece.id)).toEqual([pieces.variation!.id]);
    expect(tree.children[0]!.piece.maker).toBe('bob');
    expect(tree.children[0]!.children.map((c) => c.piece.id)).toEqual([pieces.continuation!.id]);
  });

  it('refuses a bad seed with its position, a length out of range by its form name, and unknown fields', async () => {
    const post = (body: unknown) => app.inject({ method: 'POST', url: '/api/compose', payload: body as Record<string, unknown> });
    const seed = await post({ seed: 'C4q E4x G4h' });
    expect(seed.statusCode).toBe(400);
    expect(seed.json()).toMatchObject({ field: 'seed', position: 6 });
    const length = await post({ length: 500 });
    expect(length.statusCode).toBe(400);
    expect(length.json()).toMatchObject({ field: 'length' });
    expect((await post({ outDir: '/etc' })).statusCode).toBe(400);
    expect((await post({ style: 'polka' })).json()).toMatchObject({ field: 'style' });
    expect((await post({ meter: '7/5' })).json()).toMatchObject({ field: 'meter', error: expect.stringContaining('3/4') });
    expect((await post({ form: 'BAB' })).json()).toMatchObject({ field: 'form', error: expect.stringContaining('AABA') });
  });

  it('keeps the gallery read-only: no variation of a server piece from the web', async () => {
    const response = await app.inject({ method: 'POST', url: `/api/pieces/${pieces.root!.id}/variation` });
    expect(response.statusCode).toBe(404);
    expect(queue.stats()).toMatchObject({ running: 0, queued: 0 });
  });

  it('limits bodies and composes per minute, with clear answers', async () => {
    const large = await app.inject({ method: 'POST', url: '/api/compose', payload: { seed: 'C4q '.repeat(BODY_LIMIT_BYTES / 4 + 10) } });
    expect(large.statusCode).toBe(413);
    expect(large.json<{ error: string }>().error).toMatch(/larger than 16 KiB/);
    const answers: number[] = [];
    for (let i = 0; i < COMPOSES_PER_MINUTE + 1; i++)
      answers.push((await app.inject({ method: 'POST', url: '/api/compose', payload: { seed: 'x' } })).statusCode);
    expect(answers.at(-1)).toBe(429);
  });

  it('sends security headers (a CSP without inline script) and plain error pages', async () => {
    const page = await get('/');
    expect(page.statusCode).toBe(200);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const missing = await get('/no/such/page');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toContain('text/html');
    expect(missing.body).toContain('Page not found');
    expect((await get('/api/nothing')).json()).toEqual({ error: 'not found' });
  });
});
