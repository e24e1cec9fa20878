import { describe, expect, it } from 'vitest';
import { PermissionFlagsBits } from 'discord.js';
import { attachmentNames, parsePieceButtonId, pieceButtonId, pieceButtons, pieceEmbed, seedDescription } from '../../src/bot/compose/embed.js';
import { continuationRequest, rerollRequest, themeBars, variationRequest } from '../../src/bot/compose/lineage.js';
import { parsePieceId, ratingSummary } from '../../src/bot/commands/piece.js';
import { topLines } from '../../src/bot/commands/top.js';
import { BOT_PERMISSIONS, invitePermissions, inviteUrl, missingPermissions } from '../../src/bot/permissions.js';
import { ratingKey } from '../../src/bot/rating-key.js';
import { parseRatingEmojis } from '../../src/config/rating-emojis.js';
import type { StoredPiece } from '../../src/db/pieces.js';

const piece = (over: Partial<StoredPiece> = {}): StoredPiece => ({
  id: 12,
  guildId: '1',
  authorId: '42',
  channelId: '2',
  messageId: '3',
  seed: 'C4q E4q',
  samplingSeed: 1234,
  parameters: { request: { seed: 'C4q E4q', style: 'folk', bars: 4, temperature: 0.9 }, seconds: 8.04, seedBars: 1, addedBars: 3 },
  tokens: null,
  style: 'folk',
  key: 'D minor',
  tempo: 96,
  bars: 4,
  modelVersion: 'rhythmix-base',
  midiPath: '/data/pieces/12/piece.mid',
  audioPath: '/data/pieces/12/piece.ogg',
  imagePath: '/data/pieces/12/piece.png',
  kind: 'original',
  parentId: null,
  createdAt: new Date('2026-11-25T10:00:00Z'),
  ...over,
});

describe('piece embed', () => {
  it('shows style, seed notes, key, tempo, length, model, who asked and the sampling seed', () => {
    const embed = pieceEmbed(piece(), { imageName: 'rhythmix-12.png', ratingEmojis: parseRatingEmojis('👍=1,🔥=2').emojis });
    const fields = Object.fromEntries(embed.fields!.map((f) => [f.name, f.value]));
    expect(embed.title).toBe('Piece #12');
    expect(fields).toMatchObject({
      Style: 'folk',
      Key: 'D minor',
      Tempo: '96 BPM',
      Length: '4 bars · 8.0 s',
      Model: '`rhythmix-base`',
      'Requested by': '<@42>',
      'Sample seed': '`1234`',
      Seed: '`C4q E4q`',
    });
    expect(pieceEmbed(piece({ samplingSeed: null })).fields!.find((f) => f.name === 'Sample seed')?.value).toBe('not recorded');
    expect(embed.image?.url).toBe('attachment://rhythmix-12.png');
    expect(embed.footer?.text).toBe('Rate it: 👍 🔥');
    expect(pieceEmbed(piece({ kind: 'variation', parentId: 7 })).title).toBe('Piece #12 — variation of #7');
  });

  it('shows the meter and form a request asked for, and no such fields otherwise', () => {
    const asked = piece({ parameters: { request: { style: 'folk', meter: '3/4', form: 'AABA' }, seconds: 8 } });
    const fields = pieceEmbed(asked).fields!;
    expect(fields.filter((f) => f.name === 'Meter' || f.name === 'Form')).toEqual([
      { name: 'Meter', value: '`3/4`', inline: true },
      { name: 'Form', value: '`AABA`', inline: true },
    ]);
    expect(pieceEmbed(piece()).fields!.map((f) => f.name)).not.toContain('Form');
    expect(pieceEmbed(piece()).fields!.map((f) => f.name)).not.toContain('Meter');
  });

  it('describes MIDI seeds and unseeded pieces, and defuses backticks', () => {
    expect(seedDescription({ seed: null, parameters: { midiName: 'tune.mid', seedBars: 2 }, kind: 'original', parentId: null })).toBe(
      '`tune.mid` (first 2 bars)',
    );
    expect(seedDescription({ seed: null, parameters: {}, kind: 'original', parentId: null })).toMatch(/none/);
    expect(seedDescription({ seed: 'C4q`', parameters: {}, kind: 'original', parentId: null })).toBe("`C4q'`");
    expect(seedDescription({ seed: null, parameters: { midiName: 'piece-7.mid', seedBars: 2 }, kind: 'variation', parentId: 7 })).toBe(
      'piece #7 (first 2 bars)',
    );
    expect(seedDescription({ seed: null, parameters: { midiName: 'tune.mid', seedBars: 2 }, kind: 'variation', parentId: 7 })).toBe(
      '`tune.mid` (first 2 bars)',
    );
  });

  it('has five buttons whose ids round-trip', () => {
    const row = pieceButtons(12).toJSON();
    expect(row.components.map((c) => ('label' in c ? c.label : ''))).toEqual(['Play', 'Variation', 'Continue', 'Re-roll', 'Score']);
    expect(parsePieceButtonId(pieceButtonId('continue', 12))).toEqual({ action: 'continue', pieceId: 12 });
    expect(parsePieceButtonId(pieceButtonId('score', 12))).toEqual({ action: 'score', pieceId: 12 });
    expect(parsePieceButtonId('piece:explode:12')).toBeNull();
    expect(attachmentNames(12)).toEqual({
      midi: 'rhythmix-12.mid',
      audio: 'rhythmix-12.ogg',
      image: 'rhythmix-12.png',
      score: 'rhythmix-12-score.png',
      musicxml: 'rhythmix-12.musicxml',
    });
  });

  it('names a take in its title (with the other take) and on its buttons, which act on that piece', () => {
    const takeB = piece({ id: 13, parameters: { ...piece().parameters, take: 'B' } });
    expect(pieceEmbed(takeB, { otherTake: { take: 'A', pieceId: 12 } }).title).toBe('Piece #13 — take B (take A: #12)');
    expect(pieceEmbed(takeB).title).toBe('Piece #13 — take B');
    const row = pieceButtons(13, 'B').toJSON();
    expect(row.components.map((c) => ('label' in c ? c.label : ''))).toEqual(['Play B', 'Variation of B', 'Continue B', 'Re-roll B', 'Score B']);
    expect(row.components.map((c) => ('custom_id' in c ? parsePieceButtonId(c.custom_id)?.pieceId : undefined))).toEqual([13, 13, 13, 13, 13]);
  });
});

describe('button requests', () => {
  const newSamplingSeed = (input: Record<string, unknown>): number => {
    const value = input.samplingSeed;
    expect(Number.isInteger(value)).toBe(true);
    expect(value).not.toBe(1234); // never the parent's
    return value as number;
  };

  it("Variation keeps the piece's first half (its MIDI file as seed notes) and composes the rest with a new sampling seed", () => {
    const request = variationRequest(piece(), false);
    const { samplingSeed: _samplingSeed, ...input } = request.input;
    newSamplingSeed(request.input);
    expect({ ...request, input }).toEqual({
      kind: 'variation',
      parentId: 12,
      input: { style: 'folk', temperature: 0.9, tempo: 96, seedBars: 2, bars: 4 },
      midi: { path: '/data/pieces/12/piece.mid', name: 'piece-12.mid' },
      play: false,
    });
    // The piece's drawn key comes with its opening's key signature; only a requested key is passed on (a hard mask).
    const asked = piece({ parameters: { request: { seed: 'C4q E4q', style: 'folk', bars: 4, key: 'D minor' }, seedBars: 1 } });
    expect(variationRequest(asked, false).input.key).toBe('D minor');
    // Two clicks, two takes.
    expect(variationRequest(piece(), false).input.samplingSeed).not.toBe(request.input.samplingSeed);
  });

  it('Variation keeps at least the seed notes, leaves at least one bar to compose, and falls back to a new take when it cannot', () => {
    expect(themeBars({ bars: 16, parameters: { seedBars: 2 } })).toBe(8);
    expect(themeBars({ bars: 16, parameters: { seedBars: 12 } })).toBe(12);
    expect(themeBars({ bars: 5, parameters: { seedBars: 5 } })).toBe(4);
    expect(themeBars({ bars: 3, parameters: {} })).toBe(1);
    expect(themeBars({ bars: 200, parameters: {} })).toBe(64);
    expect(themeBars({ bars: 1, parameters: {} })).toBe(0);
    const short = variationRequest(piece({ bars: 1 }), false);
    expect(short.midi).toBeUndefined();
    expect(short.input).toMatchObject({ seed: 'C4q E4q', bars: 4, tempo: 96 });
    expect(short.input.key).toBeUndefined();
    newSamplingSeed(short.input);
  });

  it('Re-roll replays the request with a new sampling seed; a MIDI seed comes from the piece folder', () => {
    const withMidi = piece({ seed: null, parameters: { request: { style: 'folk', samplingSeed: 1234 }, midiSeed: 'seed.mid', midiName: 'tune.mid' } });
    const request = rerollRequest(withMidi, true);
    expect(request).toEqual({
      kind: 'reroll',
      parentId: 12,
      input: { style: 'folk', samplingSeed: newSamplingSeed(request.input) },
      midi: { path: '/data/pieces/12/seed.mid', name: 'tune.mid' },
      play: true,
    });
    expect(rerollRequest(piece(), false).input).toMatchObject({ seed: 'C4q E4q', style: 'folk', bars: 4, temperature: 0.9 });
    expect(rerollRequest(piece(), false)).not.toHaveProperty('useCase');
  });

  it('a button on a take makes one piece from that take, even from a request that asked for two', () => {
    const take = piece({ parameters: { request: { seed: 'C4q E4q', style: 'folk', bars: 4, takes: 2 }, take: 'B', seedBars: 1 } });
    for (const request of [rerollRequest(take, false), variationRequest(take, false), continuationRequest(take, false)]) {
      expect(request.parentId).toBe(12);
      expect(request.input).not.toHaveProperty('takes');
    }
  });

  it('Re-roll of a /harmonize piece harmonizes its melody again', () => {
    const harmonized = piece({ parameters: { request: { seed: 'E4q D4q C4h', tracks: 3, samplingSeed: 5 }, useCase: 'harmonize', melodyKept: true } });
    expect(rerollRequest(harmonized, false)).toMatchObject({ kind: 'reroll', useCase: 'harmonize', input: { seed: 'E4q D4q C4h', tracks: 3 } });
  });

  it('Continue seeds with the whole piece and adds as many bars as it added', () => {
    const request = continuationRequest(piece(), false);
    expect(request).toMatchObject({ kind: 'continuation', parentId: 12, midi: { path: '/data/pieces/12/piece.mid' } });
    expect(request.input).toEqual({ style: 'folk', temperature: 0.9, tempo: 96, seedBars: 4, bars: 7, samplingSeed: newSamplingSeed(request.input) });
    expect(() => continuationRequest(piece({ midiPath: null }), false)).toThrow(/no MIDI file/);
  });
});

describe('ratings and listings', () => {
  const emojis = parseRatingEmojis('👍=1,👎=-1,❤️=2,<:bop:123>=1').emojis;

  it('counts only configured emojis, ❤ with or without the variation selector, custom ones by id', () => {
    expect(ratingKey({ id: null, name: '👍' }, emojis)).toBe('👍');
    expect(ratingKey({ id: null, name: '❤' }, emojis)).toBe('❤');
    expect(ratingKey({ id: null, name: '❤️' }, emojis)).toBe('❤');
    expect(ratingKey({ id: null, name: '😀' }, emojis)).toBeNull();
    expect(ratingKey({ id: '123', name: 'renamed' }, emojis)).toBe('<:bop:123>');
    expect(ratingKey({ id: '999', name: 'bop' }, emojis)).toBeNull();
  });

  it('formats /top lines and /piece rating counts', () => {
    expect(topLines([{ piece: piece(), score: 5, voters: 3 }])).toBe('1. **[#12](https://discord.com/channels/1/2/3)** · folk · score 5 (3 voters) by <@42>');
    expect(topLines([])).toMatch(/No rated pieces/);
    expect(
      ratingSummary(
        emojis.slice(0, 3),
        new Map([
          ['👍', 2],
          ['❤', 1],
        ]),
      ),
    ).toBe('👍 2 · 👎 0 · ❤️ 1');
    expect(parsePieceId('#12')).toBe(12);
    expect(parsePieceId('twelve')).toBeNull();
  });
});

describe('permissions', () => {
  it('invites with exactly the permissions listed, computed from discord.js flags', () => {
    const expected = BOT_PERMISSIONS.reduce((bits, p) => bits | PermissionFlagsBits[p.name], 0n);
    expect(invitePermissions()).toBe(expected);
    expect(invitePermissions()).toBe(
      PermissionFlagsBits.ViewChannel |
        PermissionFlagsBits.SendMessages |
        PermissionFlagsBits.EmbedLinks |
        PermissionFlagsBits.AttachFiles |
        PermissionFlagsBits.AddReactions |
        PermissionFlagsBits.ReadMessageHistory |
        PermissionFlagsBits.Connect |
        PermissionFlagsBits.Speak,
    );
    expect(inviteUrl('123')).toBe(`https://discord.com/oauth2/authorize?client_id=123&scope=bot%20applications.commands&permissions=${expected}`);
  });

  it('names missing permissions; Administrator has all', () => {
    const granted = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.EmbedLinks;
    expect(missingPermissions(granted, ['ViewChannel', 'AttachFiles', 'AddReactions'])).toEqual(['Attach Files', 'Add Reactions']);
    expect(missingPermissions(PermissionFlagsBits.Administrator, ['AttachFiles'])).toEqual([]);
  });
});
