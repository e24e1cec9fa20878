import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMidi } from '../../src/midi/read.js';
import { tonicTriad } from '../../src/music/key.js';
import type { Piece } from '../../src/music/piece.js';
import { DiscordSimulator, MessageFlags, type SimMessage } from '../sim/index.js';
import { removeDir, startTestBot, type TestBot } from '../bot/support/test-bot.js';

/**
 * /compose meter and form end to end: real discord.js against the simulator, the compose worker in
 * a child process with the bundled model (build first: `npm run build`). What the user sees: the
 * embed naming the meter and form, and a MIDI file in 3/4 whose A sections come back note for note.
 */
const isResult = (message: SimMessage) => message.attachments.length === 3 && !(message.flags & MessageFlags.Loading);
const WAIT_MS = 100_000;
const SLOW = { timeout: 120_000 };

/** Notes starting in [from, to) beats, as "pitch@offset+duration", offsets from `from`. */
function notesIn(piece: Piece, from: number, to: number): string[] {
  return piece.tracks
    .flatMap((t, i) =>
      t.notes
        .filter((n) => n.start >= from - 1e-6 && n.start < to - 1e-6)
        .map((n) => `${i}:${n.pitch}@${+(n.start - from).toFixed(3)}+${+n.duration.toFixed(3)}`),
    )
    .sort();
}

describe('/compose meter and form on the simulator', () => {
  let sim: DiscordSimulator;
  let test: TestBot;

  beforeAll(async () => {
    sim = await DiscordSimulator.start();
    test = await startTestBot(sim);
    await sim.waitForCommands(['compose']);
  });

  afterAll(async () => {
    await test?.stop();
    await sim?.close();
    removeDir(test?.dir);
  });

  it('form:AABA meter:3/4 posts a 3/4 piece whose A sections repeat and whose last bar is the tonic chord', SLOW, async () => {
    const run = sim.user('alice').slash('compose', { style: 'folk', form: 'AABA', meter: '3/4', length: 16, key: 'D major', sample_seed: 4 });
    expect(await run.waitForAck()).toBe(5);
    const reply = await run.waitForReply(isResult, WAIT_MS);

    const embed = reply.embeds[0] as { fields: Array<{ name: string; value: string }> };
    expect(embed.fields).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'Meter', value: '`3/4`' }), expect.objectContaining({ name: 'Form', value: '`AABA`' })]),
    );
    expect(embed.fields.find((f) => f.name === 'Length')?.value).toMatch(/^16 bars/);

    const piece = parseMidi(new Uint8Array(reply.attachments.find((a) => a.filename.endsWith('.mid'))!.data));
    expect(piece.timeSignatures.map((t) => `${t.numerator}/${t.denominator}`)).toEqual(['3/4']);
    // 16 bars of 3 beats in sections of 4 bars (12 beats): A A B A.
    expect(Math.max(...piece.tracks.flatMap((t) => t.notes.map((n) => n.start + n.duration)))).toBeLessThanOrEqual(48 + 1e-6);
    const firstA = notesIn(piece, 0, 12);
    expect(firstA.length).toBeGreaterThan(4);
    expect(notesIn(piece, 12, 24)).toEqual(firstA);
    expect(notesIn(piece, 36, 45)).toEqual(notesIn(piece, 0, 9));
    const lastBar = piece.tracks.filter((t) => !t.isDrum).flatMap((t) => t.notes.filter((n) => n.start >= 45 - 1e-6));
    expect(lastBar.length).toBeGreaterThan(0);
    for (const note of lastBar) expect(tonicTriad({ tonicPitchClass: 2, mode: 'major' })).toContain(note.pitch % 12);

    // The piece's row carries the message once the reply is posted and rateable.
    await sim.waitFor(() => reply.reactions.size === 4, 'the bot to add four rating reactions');
    const row = await test.bot.context.db.prisma.piece.findFirstOrThrow({ where: { messageId: reply.id } });
    expect(JSON.parse(row.parameters)).toMatchObject({ request: { form: 'AABA', meter: '3/4' } });
  });

  it('a form that is none is answered only to the caller, naming the option', async () => {
    const run = sim.user('alice').slash('compose', { form: 'ABZ' });
    const reply = await run.waitForReply();
    expect(reply.flags & MessageFlags.Ephemeral).toBeTruthy();
    expect(reply.content).toMatch(/^❌ `form` "ABZ" is not a form: use letters such as AABA/);
  });
});
