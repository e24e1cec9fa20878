import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyRetention } from '../../src/bot/retention.js';
import { createPiece, getPiece, openDatabase, type OpenedDatabase } from '../../src/db/index.js';

const DAY = 86_400_000;
const NOW = new Date('2026-12-05T12:00:00Z');

let dir: string;
let pieces: string;
let db: OpenedDatabase;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rhythmix-retention-'));
  pieces = join(dir, 'pieces');
  db = await openDatabase(`file:${join(dir, 'test.db')}`);
});
afterEach(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A stored piece `ageDays` old with a 1 KB MIDI and `renderKb` KB each of Ogg and PNG. */
async function storedPiece(ageDays: number, renderKb: number) {
  const piece = await createPiece(db.prisma, { style: 'classical', createdAt: new Date(NOW.getTime() - ageDays * DAY) });
  const folder = join(pieces, String(piece.id));
  mkdirSync(folder, { recursive: true });
  const files = { midiPath: join(folder, 'piece.mid'), audioPath: join(folder, 'piece.ogg'), imagePath: join(folder, 'piece.png') };
  writeFileSync(files.midiPath, Buffer.alloc(1024));
  writeFileSync(files.audioPath, Buffer.alloc(renderKb * 1024));
  writeFileSync(files.imagePath, Buffer.alloc(renderKb * 1024));
  await db.prisma.piece.update({ where: { id: piece.id }, data: files });
  return { id: piece.id, ...files };
}

describe('pieces retention', () => {
  it('removes the renders of pieces older than the age limit, oldest first; MIDI and rows stay', async () => {
    const old = await storedPiece(40, 10);
    const recent = await storedPiece(5, 10);
    const result = await applyRetention(db.prisma, pieces, { maxAgeMs: 30 * DAY, maxBytes: 0 }, NOW);
    expect(result.trimmed).toEqual([old.id]);
    expect(result.bytesFreed).toBe(20 * 1024);
    expect(existsSync(old.audioPath) || existsSync(old.imagePath)).toBe(false);
    expect(existsSync(old.midiPath)).toBe(true);
    const row = await getPiece(db.prisma, old.id);
    expect([row?.audioPath, row?.imagePath, row?.midiPath]).toEqual([null, null, old.midiPath]);
    expect(existsSync(recent.audioPath)).toBe(true);
    expect((await getPiece(db.prisma, recent.id))?.audioPath).toBe(recent.audioPath);
  });

  it('over the size limit, removes the oldest renders until the folder fits, and leaves work folders alone', async () => {
    const a = await storedPiece(3, 100);
    const b = await storedPiece(2, 100);
    const c = await storedPiece(1, 100);
    mkdirSync(join(pieces, '.work-running'));
    writeFileSync(join(pieces, '.work-running', 'piece.ogg'), Buffer.alloc(500 * 1024));
    // 603 KB of pieces (the work folder does not count); 400 KB allowed → a (200 KB) goes, then b.
    const result = await applyRetention(db.prisma, pieces, { maxAgeMs: 0, maxBytes: 400 * 1024 }, NOW);
    expect(result.trimmed).toEqual([a.id, b.id]);
    expect(result.totalBytes).toBe(203 * 1024);
    expect(existsSync(c.audioPath)).toBe(true);
    expect(existsSync(join(pieces, '.work-running', 'piece.ogg'))).toBe(true);
    // Within both limits now: a second pass changes nothing.
    expect((await applyRetention(db.prisma, pieces, { maxAgeMs: 0, maxBytes: 400 * 1024 }, NOW)).trimmed).toEqual([]);
  });

  it('with both limits off, removes nothing', async () => {
    const a = await storedPiece(10_000, 100);
    expect((await applyRetention(db.prisma, pieces, { maxAgeMs: 0, maxBytes: 0 }, NOW)).trimmed).toEqual([]);
    expect(existsSync(a.audioPath)).toBe(true);
  });
});
