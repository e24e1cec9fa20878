import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scoreFiles, scoreParameters } from '../../src/app/piece-score.js';
import { scoreAttachedToResult, scoreAttachments } from '../../src/bot/compose/score.js';
import type { StoredPiece } from '../../src/db/pieces.js';

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
