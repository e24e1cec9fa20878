import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scoreFiles, scoreParameters } from '../../src/app/piece-score.js';
import { scoreAttachedToResult, scoreAttachments } from '../../src/bot/compose/score.js';
import type { ScoreJobInput } from '../../src/app/score-job.js';
import { ScoreEngraver } from '../../src/bot/compose/score-engraver.js';
import type { StoredPiece } from '../../src/db/pieces.js';
import type { WorkerPool } from '../../src/jobs/index.js';
import type { Logger } from '../../src/util/logger.js';

const dir = mkdtempSync(join(tmpdir(), 'rhythmix-bot-score-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function stored(parameters: StoredPiece['parameters'], midiPath: string | null = join(dir, 'piece.mid')): StoredPiece {
  return {
    id: 7,
    guildId: null,
    authorId: null,
    channelId: null,
    messageId: null,
    seed: null,
    samplingSeed: 1,
    parameters,
    tokens: null,
    style: 'folk',
    key: null,
    tempo: 120,
    bars: 4,
    modelVersion: 'm',
    midiPath,
    audioPath: null,
    imagePath: null,
    kind: 'original',
    parentId: null,
    createdAt: new Date(0),
  };
}

describe('the stored score of a piece', () => {
  it('stores the file names from the summary, and finds them beside the piece’s MIDI file', () => {
    const parameters = scoreParameters({ scorePng: '/work/.work-x/score.png', musicxml: '/work/.work-x/piece.musicxml' });
    expect(parameters).toEqual({ score: { png: 'score.png', musicxml: 'piece.musicxml' } });
    expect(scoreFiles(stored(parameters))).toBeUndefined(); // not on disk yet
    writeFileSync(join(dir, 'score.png'), 'png');
    writeFileSync(join(dir, 'piece.musicxml'), '<score-partwise/>');
    expect(scoreFiles(stored(parameters))).toEqual({ png: join(dir, 'score.png'), musicxml: join(dir, 'piece.musicxml') });
    expect(scoreAttachments(stored(parameters)).map((a) => a.name)).toEqual(['rhythmix-7-score.png', 'rhythmix-7.musicxml']);
  });

  it('has none for a piece composed before scores, or a summary without one, and never leaves the piece’s folder', () => {
    expect(scoreParameters({})).toEqual({});
    expect(scoreAttachments(stored({ request: {} }))).toEqual([]);
    expect(scoreFiles(stored({ score: { png: 'score.png', musicxml: 'piece.musicxml' } }, null))).toBeUndefined();
    const escaping = scoreFiles(stored({ score: { png: '../../etc/score.png', musicxml: 'piece.musicxml' } }));
    expect(escaping?.png).toBe(join(dir, 'score.png'));
  });

  it('attaches it to the result only when the request asked (score:true)', () => {
    expect(scoreAttachedToResult(stored({ request: { score: true } }))).toBe(true);
    expect(scoreAttachedToResult(stored({ request: { seed: 'C4q' } }))).toBe(false);
    expect(scoreAttachedToResult(stored({}))).toBe(false);
  });
});

describe('a score engraved after the piece is posted (ScoreEngraver)', () => {
  /** A stand-in for the score worker: records each engraving and writes its PNG when released. */
  function fakePool() {
    const calls: Array<{ input: ScoreJobInput; release: () => void }> = [];
    const pool = {
      call: (input: ScoreJobInput) =>
        new Promise((resolve) => {
          calls.push({ input, release: () => (writeFileSync(input.imagePath, 'png'), resolve({ path: input.imagePath, width: 1, height: 1 })) });
        }),
      close: async () => undefined,
    };
    return { calls, pool: pool as unknown as WorkerPool };
  }
  const silent = { warn: () => undefined, info: () => undefined } as unknown as Logger;

  it('names score.png while it is being engraved, and the Score button waits for it', async () => {
    const folder = mkdtempSync(join(dir, 'later-'));
    const parameters = scoreParameters({ musicxml: join(folder, 'piece.musicxml') }, true);
    expect(parameters).toEqual({ score: { png: 'score.png', musicxml: 'piece.musicxml' } });
    writeFileSync(join(folder, 'piece.musicxml'), '<score-partwise/>');
    const piece = stored(parameters, join(folder, 'piece.mid'));
    const { calls, pool } = fakePool();
    const engraver = new ScoreEngraver(silent, pool);
    engraver.start(piece, '<preview/>');
    expect(calls.map((c) => c.input)).toEqual([{ preview: '<preview/>', musicxmlPath: join(folder, 'piece.musicxml'), imagePath: join(folder, 'score.png') }]);
    expect(scoreAttachments(piece)).toEqual([]);
    let ready: boolean | undefined;
    const waiting = engraver.ready(piece).then((value) => (ready = value));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(ready).toBeUndefined(); // still engraving: the answer waits
    calls[0]!.release();
    await waiting;
    expect(ready).toBe(true);
    expect(calls).toHaveLength(1); // waited for, not engraved twice
    expect(scoreAttachments(piece).map((a) => a.name)).toEqual(['rhythmix-7-score.png', 'rhythmix-7.musicxml']);
  });

  it('engraves from piece.musicxml when nothing is under way (a restart lost it), and not at all without one', async () => {
    const folder = mkdtempSync(join(dir, 'lost-'));
    writeFileSync(join(folder, 'piece.musicxml'), '<score-partwise/>');
    const piece = stored({ score: { png: 'score.png', musicxml: 'piece.musicxml' } }, join(folder, 'piece.mid'));
    const { calls, pool } = fakePool();
    const engraver = new ScoreEngraver(silent, pool);
    const ready = engraver.ready(piece);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls.map((c) => c.input)).toEqual([{ musicxmlPath: join(folder, 'piece.musicxml'), imagePath: join(folder, 'score.png') }]);
    calls[0]!.release();
    expect(await ready).toBe(true);
    expect(await engraver.ready(stored({ request: {} }))).toBe(false);
    expect(await engraver.ready(stored({ score: { png: 'score.png', musicxml: 'piece.musicxml' } }, join(dir, 'gone', 'piece.mid')))).toBe(false);
    expect(calls).toHaveLength(1);
  });
});
