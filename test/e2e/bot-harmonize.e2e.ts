import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMidi } from '../../src/midi/read.js';
import { DiscordSimulator, MessageFlags, type SimMessage } from '../sim/index.js';
import { removeDir, startTestBot, type TestBot } from '../bot/support/test-bot.js';
import { darkShare, pngPixels } from '../render/png.js';
import { childText, children, parseXml } from '../support/xml.js';

/**
 * /harmonize end to end: real discord.js against the simulator, the compose worker in a child
 * process running the harmonize use case (build first: `npm run build`). What the user sees: the
 * result message of /compose, and in its MIDI file the melody they typed, unchanged.
 */
const isResult = (message: SimMessage) => message.attachments.length === 3 && !(message.flags & MessageFlags.Loading);
const WAIT_MS = 100_000;
const SLOW = { timeout: 120_000 };

const MELODY = 'E4q D4q C4h | G4e F4e E4q D4h';
const MELODY_NOTES = ['64@0+1', '62@1+1', '60@2+2', '67@4+0.5', '65@4.5+0.5', '64@5+1', '62@6+2'];

describe('/harmonize on the simulator', () => {
  let sim: DiscordSimulator;
  let test: TestBot;

  beforeAll(async () => {
    sim = await DiscordSimulator.start();
    test = await startTestBot(sim);
    await sim.waitForCommands(['compose', 'harmonize']);
  });

  afterAll(async () => {
    await test?.stop();
    await sim?.close();
    removeDir(test?.dir);
  });

  it('posts the result message with the three files, and the MIDI file keeps the melody as its first track', SLOW, async () => {
    const run = sim.user('alice').slash('harmonize', { seed: MELODY, instruments: 'flute,piano,bass', tempo: 100 });
    expect(await run.waitForAck()).toBe(5);
    const reply = await run.waitForReply(isResult, WAIT_MS);

    expect(reply.attachments.map((a) => a.filename.split('.').pop()).sort()).toEqual(['mid', 'ogg', 'png']);
    const embed = reply.embeds[0] as { title: string };
    expect(embed.title).toMatch(/^Piece #\d+$/);
    const buttons = (reply.components[0] as { components: Array<{ label: string }> }).components;
    expect(buttons.map((b) => b.label)).toEqual(['Play', 'Variation', 'Continue', 'Re-roll', 'Score']);
    await sim.waitFor(() => reply.reactions.size === 4, 'the bot to add four rating reactions');

    const midi = parseMidi(new Uint8Array(reply.attachments.find((a) => a.filename.endsWith('.mid'))!.data));
    const [melody, ...accompaniment] = midi.tracks.filter((t) => t.notes.length > 0);
    expect(melody!.program).toBe(73);
    expect(melody!.notes.map((n) => `${n.pitch}@${n.start}+${n.duration}`).sort()).toEqual([...MELODY_NOTES].sort());
    expect(accompaniment.flatMap((t) => t.notes).length).toBeGreaterThan(0);

    const row = await test.bot.context.db.prisma.piece.findFirstOrThrow({ where: { messageId: reply.id } });
    expect(JSON.parse(row.parameters)).toMatchObject({ useCase: 'harmonize', melodyKept: true, request: { seed: MELODY } });

    // Score: the melody's part first, then one part per accompanying track, and a picture with ink on it.
    const score = await sim
      .user('alice')
      .click(reply, `piece:score:${row.id}`)
      .waitForReply((m) => m.attachments.length === 2, WAIT_MS);
    expect(score.flags & MessageFlags.Ephemeral).toBeTruthy();
    expect(darkShare(pngPixels(new Uint8Array(score.attachments[0]!.data)))).toBeGreaterThan(0.005);
    const parts = children(parseXml(score.attachments[1]!.data.toString('utf8')), 'part-list')[0]!.children.map((p) => childText(p, 'part-name'));
    expect(parts[0]).toBe('Flute');
    expect(parts.length).toBe(1 + accompaniment.length);
  });
});
