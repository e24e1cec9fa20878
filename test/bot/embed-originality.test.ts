import { describe, expect, it } from 'vitest';
import { pieceEmbed } from '../../src/bot/compose/embed.js';
import type { StoredPiece } from '../../src/db/pieces.js';

const piece = (parameters: StoredPiece['parameters']): StoredPiece => ({
  id: 12,
  guildId: '1',
  authorId: '42',
  channelId: '2',
  messageId: '3',
  seed: null,
  samplingSeed: 1234,
  parameters: { seconds: 8, seedBars: 0, addedBars: 4, ...parameters },
  tokens: null,
  style: 'folk',
  key: null,
  tempo: 120,
  bars: 4,
  modelVersion: 'rhythmix-base',
  midiPath: null,
  audioPath: null,
  imagePath: null,
  kind: 'original',
  parentId: null,
  createdAt: new Date('2026-12-05T10:00:00Z'),
});

const originality = (p: StoredPiece) => pieceEmbed(p).fields!.find((f) => f.name === 'Originality')?.value;

describe('the embed’s originality line', () => {
  it('shows the longest phrase shared with the training data, in bars', () => {
    expect(originality(piece({ longestCopiedBars: 1.5, originality: { copiedFrom: 'x', attempts: 1, note: null } }))).toBe('longest shared phrase: 1.5 bars');
    expect(originality(piece({ longestCopiedBars: 1, originality: { copiedFrom: 'x', attempts: 1, note: null } }))).toBe('longest shared phrase: 1 bar');
  });

  it('adds what happened when compose re-sampled, and says unknown without an index', () => {
    const resampled = piece({
      longestCopiedBars: 0.8,
      originality: { copiedFrom: null, attempts: 2, note: 'composed again 1 time: the first take shared 6 bars with *a*' },
    });
    expect(originality(resampled)).toBe('longest shared phrase: 0.8 bars\n*composed again 1 time: the first take shared 6 bars with a*');
    const unknown = piece({ longestCopiedBars: null, originality: { copiedFrom: null, attempts: 1, note: 'the model m has no originality index' } });
    expect(originality(unknown)).toBe('longest shared phrase: unknown\n*the model m has no originality index*');
  });

  it('leaves the line out for pieces stored before the check', () => {
    expect(originality(piece({}))).toBeUndefined();
  });
});
