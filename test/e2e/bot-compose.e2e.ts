import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readMidiFile } from '../../src/midi/read.js';
import { writeMidi } from '../../src/midi/write.js';
import { parseSeed } from '../../src/music/seed.js';
import { DiscordSimulator, MessageFlags, simFile, type SimMessage } from '../sim/index.js';
import { removeDir, startTestBot, type TestBot } from '../bot/support/test-bot.js';
import { SCORE_IMAGE_SIZE } from '../../src/render/score.js';
import { darkShare, pngPixels } from '../render/png.js';
import { child, childText, children, parseXml } from '../support/xml.js';

/**
 * The Rhythmix bot end to end: real discord.js against the simulator, the real compose pipeline
 * in a child process (build first: `npm run build`), SQLite in a temporary folder. Pieces are
 * two to four bars long so each compose takes a few seconds.
 */
const isResult = (message: SimMessage) => message.attachments.length === 3 && !(message.flags & MessageFlags.Loading);
/** Generous: the machine may be busy (2 cores shared); nothing here measures speed. */
const WAIT_MS = 100_000;
const SLOW = { timeout: 120_000 };

describe('the Rhythmix bot on the simulator', () => {
  let sim: DiscordSimulator;
  let test: TestBot;

  beforeAll(async () => {
    sim = await DiscordSimulator.start();
    test = await startTestBot(sim, { env: { QUEUE_PER_USER: '1' } });
    await sim.waitForCommands(['compose', 'top', 'piece']);
  });

  afterAll(async () => {
    await test?.stop();
    await sim?.close();
    removeDir(test?.dir);
  });

  const prisma = () => test.bot.context.db.prisma;
  /** The stored piece a message shows (the message id is stored right after posting). */
  const pieceOf = async (message: SimMessage) => {
    await expect.poll(() => prisma().piece.count({ where: { messageId: message.id } }), { timeout: 5000 }).toBe(1);
    return prisma().piece.findUniqueOrThrow({ where: { messageId: message.id } });
  };

  /** A MIDI file's notes as "program/drum:pitch@start+duration" (sorted), those starting before `until` beats cut there. */
  const notesOf = async (midiPath: string | null, until = Infinity): Promise<string[]> => {
    const piece = await readMidiFile(midiPath!);
    return piece.tracks
      .flatMap((t) =>
        t.notes.filter((n) => n.start < until - 1e-9).map((n) => `${t.program}/${t.isDrum}:${n.pitch}@${n.start}+${Math.min(n.duration, until - n.start)}`),
      )
      .sort();
  };

  it('/compose with a seed posts one message with the three files, the embed, rating reactions and buttons', SLOW, async () => {
    const alice = sim.user('alice');
    // Four bars: the seed notes fill the first, so a Variation's kept half holds a composed bar too.
    const run = alice.slash('compose', { seed: 'C4q E4q G4h', style: 'classical', length: 4, tempo: 100 });
    expect(await run.waitForAck()).toBe(5);
    const reply = await run.waitForReply(isResult, WAIT_MS);

    expect(reply.attachments.map((a) => a.filename.split('.').pop()).sort()).toEqual(['mid', 'ogg', 'png']);
    expect(
      reply.attachments
        .find((a) => a.filename.endsWith('.mid'))!
        .data.subarray(0, 4)
        .toString('latin1'),
    ).toBe('MThd');
    expect(
      reply.attachments
        .find((a) => a.filename.endsWith('.ogg'))!
        .data.subarray(0, 4)
        .toString('latin1'),
    ).toBe('OggS');
    expect(
      reply.attachments
        .find((a) => a.filename.endsWith('.png'))!
        .data.subarray(1, 4)
        .toString('latin1'),
    ).toBe('PNG');
    // The progress edits came before: queued/composing text, then the result.
    expect(reply.history.some((h) => /Composing|Queued|Rendering/.test(h.content))).toBe(true);
    expect(reply.content).toBe('');

    const embed = reply.embeds[0] as { title: string; fields: Array<{ name: string; value: string }> };
    const field = (name: string) => embed.fields.find((f) => f.name === name)?.value;
    expect(embed.title).toMatch(/^Piece #\d+$/);
    expect(field('Style')).toBe('classical');
    expect(field('Seed')).toContain('C4q E4q G4h');
    expect(field('Tempo')).toBe('100 BPM');
    expect(field('Length')).toMatch(/^4 bars · \d+\.\d s$/);
    expect(field('Requested by')).toBe(`<@${alice.id}>`);
    expect(field('Model')).toMatch(/\S/);

    const buttons = (reply.components[0] as { components: Array<{ label: string; custom_id: string }> }).components;
    expect(buttons.map((b) => b.label)).toEqual(['Play', 'Variation', 'Continue', 'Re-roll', 'Score']);

    await sim.waitFor(() => reply.reactions.size === 4, 'the bot to add four rating reactions');
    expect([...reply.reactions.keys()].map((k) => k.replace(/\uFE0F/g, ''))).toEqual(['👍', '👎', '❤', '🔥']);
    for (const users of reply.reactions.values()) expect([...users]).toEqual([sim.botUser.id]);

    const id = Number(embed.title.slice('Piece #'.length));
    const row = await pieceOf(reply);
    expect(row.id).toBe(id);
    expect(row).toMatchObject({
      messageId: reply.id,
      channelId: reply.channelId,
      seed: 'C4q E4q G4h',
      style: 'classical',
      kind: 'original',
      parentId: null,
      authorId: alice.id,
      bars: 4,
      tempo: 100,
    });
    // A random sampling seed was drawn for the take, stored with it and shown.
    expect(Number.isInteger(row.samplingSeed)).toBe(true);
    expect(field('Sample seed')).toBe(`\`${row.samplingSeed}\``);
    expect(row.modelVersion).toBe(field('Model')!.replace(/`/g, ''));
    expect(row.tokens!.byteLength).toBeGreaterThan(16);
    expect(row.midiPath).toMatch(new RegExp(`pieces/${id}/piece\\.mid$`));
    expect(JSON.parse(row.parameters)).toMatchObject({ request: { seed: 'C4q E4q G4h', style: 'classical', bars: 4, tempo: 100 } });
  });

  it('Score shows whoever presses it the first page of the sheet music and the MusicXML, only to them', SLOW, async () => {
    const [reply] = sim.messages((m) => isResult(m)).slice(-1);
    const piece = await pieceOf(reply!);
    const press = sim.user('bob').click(reply!, `piece:score:${piece.id}`);
    const answer = await press.waitForReply((m) => m.attachments.length === 2, WAIT_MS);
    expect(answer.flags & MessageFlags.Ephemeral).toBeTruthy();
    expect(answer.content).toContain(`Score of piece #${piece.id}`);
    expect(answer.attachments.map((a) => a.filename)).toEqual([`rhythmix-${piece.id}-score.png`, `rhythmix-${piece.id}.musicxml`]);

    const image = pngPixels(new Uint8Array(answer.attachments[0]!.data));
    expect(image.width).toBe(SCORE_IMAGE_SIZE.width);
    expect(image.height).toBeLessThanOrEqual(SCORE_IMAGE_SIZE.height);
    expect(darkShare(image)).toBeGreaterThan(0.005);

    // The MusicXML is the stored piece: its four bars, and the seed notes C4 E4 G4 at its start.
    const score = parseXml(answer.attachments[1]!.data.toString('utf8'));
    const part = children(score, 'part')[0]!;
    expect(children(part, 'measure')).toHaveLength(4);
    const opening = children(children(part, 'measure')[0]!, 'note')
      .map((n) => child(n, 'pitch'))
      .filter((p) => p !== undefined)
      .map((p) => `${childText(p, 'step')}${childText(p, 'octave')}`);
    expect(opening).toEqual(expect.arrayContaining(['C4', 'E4', 'G4']));
    // The result message itself is unchanged: still the three files.
    expect(reply!.attachments).toHaveLength(3);
  });

  it('Score engraves the picture when it is not there yet (the bot was restarted before engraving it)', SLOW, async () => {
    const [reply] = sim.messages((m) => isResult(m)).slice(-1);
    const piece = await pieceOf(reply!);
    const png = path.join(path.dirname(piece.midiPath!), 'score.png');
    // Posted without waiting for the score: it is engraved beside the posting, then gone again here.
    await vi.waitFor(() => expect(existsSync(png)).toBe(true), { timeout: WAIT_MS });
    rmSync(png);
    const answer = await sim
      .user('dave')
      .click(reply!, `piece:score:${piece.id}`)
      .waitForReply((m) => m.attachments.length === 2, WAIT_MS);
    expect(answer.flags & MessageFlags.Ephemeral).toBeTruthy();
    expect(answer.attachments.map((a) => a.filename)).toEqual([`rhythmix-${piece.id}-score.png`, `rhythmix-${piece.id}.musicxml`]);
    expect(pngPixels(new Uint8Array(answer.attachments[0]!.data)).width).toBe(SCORE_IMAGE_SIZE.width);
    expect(existsSync(png)).toBe(true);
  });

  it('/compose score:true attaches the score to the result message itself', SLOW, async () => {
    const run = sim.user('carol').slash('compose', { seed: 'A4q G4q E4h', style: 'classical', length: 2, score: true, play: false });
    const reply = await run.waitForReply((m) => m.attachments.length === 5 && !(m.flags & MessageFlags.Loading), WAIT_MS);
    expect(reply.attachments.map((a) => a.filename.replace(/^rhythmix-\d+/, '')).sort()).toEqual(['-score.png', '.mid', '.musicxml', '.ogg', '.png']);
    expect(reply.flags & MessageFlags.Ephemeral).toBeFalsy();
    const png = reply.attachments.find((a) => a.filename.endsWith('-score.png'))!;
    expect(darkShare(pngPixels(new Uint8Array(png.data)))).toBeGreaterThan(0.005);
    expect(parseXml(reply.attachments.find((a) => a.filename.endsWith('.musicxml'))!.data.toString('utf8')).name).toBe('score-partwise');
  });

  it('stores reaction adds and removals as ratings, ignoring other emojis and the bot itself, also after a restart (partials)', async () => {
    const [reply] = sim.messages((m) => isResult(m)).slice(-1);
    const piece = await pieceOf(reply!);
    const bob = sim.user('bob');
    const carol = sim.user('carol');

    bob.react(reply!, '👍');
    bob.react(reply!, '😀');
    carol.react(reply!, '❤️');
    await expect.poll(() => prisma().rating.count({ where: { pieceId: piece.id } }), { timeout: 10_000 }).toBe(2);
    const ratings = await prisma().rating.findMany({ where: { pieceId: piece.id }, orderBy: { id: 'asc' } });
    expect(ratings.map((r) => [r.userId, r.emoji, r.removedAt])).toEqual([
      [bob.id, '👍', null],
      [carol.id, '❤', null],
    ]);

    bob.unreact(reply!, '👍');
    await expect
      .poll(async () => (await prisma().rating.findFirst({ where: { pieceId: piece.id, userId: bob.id } }))?.removedAt ?? null, { timeout: 10_000 })
      .toBeInstanceOf(Date);
    expect(await prisma().rating.count({ where: { userId: sim.botUser.id } })).toBe(0);

    // A fresh process knows nothing of the message: the reaction arrives as a partial.
    await test.stop();
    test = await startTestBot(sim, { dir: test.dir, env: { QUEUE_PER_USER: '1' } });
    bob.react(reply!, '🔥');
    await expect.poll(() => prisma().rating.count({ where: { pieceId: piece.id, userId: bob.id, emoji: '🔥', removedAt: null } }), { timeout: 10_000 }).toBe(1);
    carol.unreact(reply!, '❤️');
    await expect
      .poll(async () => (await prisma().rating.findFirst({ where: { pieceId: piece.id, userId: carol.id } }))?.removedAt ?? null, { timeout: 10_000 })
      .toBeInstanceOf(Date);
    bob.react(reply!, '👍');
    await expect
      .poll(async () => (await prisma().rating.findFirst({ where: { pieceId: piece.id, userId: bob.id, emoji: '👍' } }))?.removedAt, { timeout: 10_000 })
      .toBeNull();
  });

  /** The first piece: the parent of the buttons' pieces. */
  const firstPiece = async () => {
    const original = sim.messages((m) => isResult(m))[0]!;
    return { original, parent: await pieceOf(original) };
  };

  it("Variation keeps its parent's first half note for note and composes the rest anew", SLOW, async () => {
    const { original, parent } = await firstPiece();
    const variation = sim.user('alice').click(original, `piece:variation:${parent.id}`);
    expect(await variation.waitForAck()).toBe(5);
    const variationReply = await variation.waitForReply(isResult, WAIT_MS);
    const variationRow = await pieceOf(variationReply);
    // The parent's MIDI file is the seed now, not its seed notes.
    expect(variationRow).toMatchObject({ kind: 'variation', parentId: parent.id, seed: null, bars: parent.bars, style: parent.style, tempo: parent.tempo });
    expect(variationRow.id).not.toBe(parent.id);
    expect(JSON.parse(variationRow.parameters)).toMatchObject({ midiName: `piece-${parent.id}.mid`, seedBars: 2, request: { bars: 4, seedBars: 2 } });
    expect(Number.isInteger(variationRow.samplingSeed)).toBe(true);
    expect(variationRow.samplingSeed).not.toBe(parent.samplingSeed);
    const embed = variationReply.embeds[0] as { title: string; fields: Array<{ name: string; value: string }> };
    expect(embed.title).toBe(`Piece #${variationRow.id} — variation of #${parent.id}`);
    expect(embed.fields.find((f) => f.name === 'Seed')?.value).toBe(`piece #${parent.id} (first 2 bars)`);

    // Bars 1–2 (8 beats of 4/4) are the parent's — the seed notes and the parent's own second bar —, the rest is new.
    const theme = 8;
    const parentTheme = await notesOf(parent.midiPath, theme);
    const startOf = (note: string) => Number(note.slice(note.indexOf('@') + 1, note.indexOf('+')));
    expect(parentTheme.some((n) => startOf(n) >= 4)).toBe(true); // the kept half holds composed notes, not only the seed notes
    expect(await notesOf(variationRow.midiPath, theme)).toEqual(parentTheme);
    expect(await notesOf(variationRow.midiPath)).not.toEqual(await notesOf(parent.midiPath));
  });

  it("Continue extends the piece — anyone may continue anyone's", SLOW, async () => {
    const { original, parent } = await firstPiece();
    const continuation = sim.user('bob').click(original, `piece:continue:${parent.id}`);
    const continuationRow = await pieceOf(await continuation.waitForReply(isResult, WAIT_MS));
    expect(continuationRow).toMatchObject({ kind: 'continuation', parentId: parent.id, authorId: sim.user('bob').id });
    expect(continuationRow.bars!).toBeGreaterThan(parent.bars!);
  });

  it('Re-roll replays the request with a new sampling seed — other notes; the parent lists all three', SLOW, async () => {
    const { original, parent } = await firstPiece();
    const reroll = sim.user('carol').click(original, `piece:reroll:${parent.id}`);
    const rerollRow = await pieceOf(await reroll.waitForReply(isResult, WAIT_MS));
    expect(rerollRow).toMatchObject({ kind: 'reroll', parentId: parent.id, seed: parent.seed, bars: parent.bars });
    expect(Number.isInteger(rerollRow.samplingSeed)).toBe(true);
    expect(rerollRow.samplingSeed).not.toBe(parent.samplingSeed);
    const rerollNotes = await notesOf(rerollRow.midiPath);
    expect(rerollNotes).not.toEqual(await notesOf(parent.midiPath));
    // Same seed notes: both open with them.
    for (const opening of [':60@0+1', ':64@1+1', ':67@2+2']) expect(rerollNotes.some((n) => n.endsWith(opening))).toBe(true);

    const lineage = await prisma().piece.findUniqueOrThrow({ where: { id: parent.id }, include: { children: true } });
    expect(lineage.children.map((c) => c.kind).sort()).toEqual(['continuation', 'reroll', 'variation']);
  });

  it('/compose with a MIDI attachment uses it as the seed', SLOW, async () => {
    const midi = Buffer.from(writeMidi(parseSeed('D4q F4q A4q D5q | C5h A4h')));
    const run = sim.user('carol').slash('compose', { midi: simFile('tune.mid', midi, 'audio/midi'), length: 3, style: 'classical' });
    expect(await run.waitForAck()).toBe(5);
    const reply = await run.waitForReply(isResult, WAIT_MS);
    const row = await pieceOf(reply);
    expect(row.seed).toBeNull();
    expect(JSON.parse(row.parameters)).toMatchObject({ midiName: 'tune.mid', seedBars: 2 });
    expect(row.bars).toBe(3);
    expect((reply.embeds[0] as { fields: Array<{ name: string; value: string }> }).fields.find((f) => f.name === 'Seed')!.value).toContain('tune.mid');
  });

  it('delivers the reply when the gateway drops mid-compose', SLOW, async () => {
    const session = sim.gateway.session!;
    const resumes = session.resumes;
    const run = sim.user('alice').slash('compose', { seed: 'E4q G4q C5h', style: 'classical', length: 2 });
    expect(await run.waitForAck()).toBe(5);
    sim.gateway.drop();
    expect(run.reply()?.attachments ?? []).toHaveLength(0);
    const reply = await run.waitForReply(isResult, WAIT_MS);
    expect(reply.attachments).toHaveLength(3);
    await sim.waitFor(() => reply.reactions.size === 4, 'rating reactions after the drop');
    // The piece may be ready before discord.js reconnects; the session must resume all the same.
    await sim.waitFor(() => sim.gateway.session!.resumes > resumes, 'the gateway session to resume');
  });

  it('/top and /piece show the rated piece', async () => {
    const rated = await prisma().rating.findFirstOrThrow({ where: { removedAt: null } });
    const top = sim.user('alice').slash('top', {});
    const topReply = await top.waitForReply();
    const fields = (topReply.embeds[0] as { fields: Array<{ name: string; value: string }> }).fields;
    expect(fields.map((f) => f.name)).toEqual(['This week', 'All time']);
    expect(fields[1]!.value).toContain(`#${rated.pieceId}`);

    const piece = sim.user('alice').slash('piece', { id: `#${rated.pieceId}` });
    const pieceReply = await piece.waitForReply();
    const pieceFields = (pieceReply.embeds[0] as { fields: Array<{ name: string; value: string }> }).fields;
    expect(pieceFields.find((f) => f.name === 'Ratings')!.value).toMatch(/🔥 1/);
    expect(pieceFields.find((f) => f.name === 'Made from it')!.value).toMatch(/variation/);
    const ratedRow = await prisma().piece.findUniqueOrThrow({ where: { id: rated.pieceId } });
    expect(ratedRow.samplingSeed).not.toBeNull();
    expect(pieceFields.find((f) => f.name === 'Sample seed')!.value).toBe(`\`${ratedRow.samplingSeed}\``);

    const missing = sim.user('alice').slash('piece', { id: '999999' });
    const missingReply = await missing.waitForReply();
    expect(missingReply.flags & MessageFlags.Ephemeral).toBeTruthy();
    expect(missingReply.content).toContain('no piece #999999');
  });

  it("plays in the caller's voice channel: /compose (default play when in voice) and the Play button", SLOW, async () => {
    const alice = sim.user('alice');
    alice.joinVoice('Music');
    const since = sim.voice.mark();
    const run = alice.slash('compose', { seed: 'G4q E4q C4h', style: 'classical', length: 2 });
    const reply = await run.waitForReply(isResult, WAIT_MS);
    const ogg = reply.attachments.find((a) => a.filename.endsWith('.ogg'))!.data;
    const played = await sim.voice.waitForAudioEnd({ since, timeoutMs: WAIT_MS });
    const comparison = played.compareWithOgg(ogg);
    expect(comparison.receivedPackets).toBe(comparison.sourcePackets);
    expect(comparison.identicalPackets).toBe(comparison.sourcePackets);
    expect(sim.voice.connection()!.maxDaveProtocolVersion).toBeGreaterThanOrEqual(1);
    // Over DAVE v1: the packets compared above are what the simulated listeners decrypted.
    expect(sim.voice.connection()!.daveProtocolVersion).toBe(1);

    const piece = await pieceOf(reply);
    const again = sim.voice.mark();
    const click = alice.click(reply, `piece:play:${piece.id}`);
    await click.waitForAck();
    const replayed = await sim.voice.waitForAudioEnd({ since: again, timeoutMs: WAIT_MS });
    expect(replayed.compareWithOgg(ogg).identicalPackets).toBe(comparison.sourcePackets);
    alice.leaveVoice();
  });

  it('never writes the token to its logs', () => {
    expect(test.logs.length).toBeGreaterThan(0);
    for (const line of test.logs) expect(line).not.toContain(sim.token);
  });
});
