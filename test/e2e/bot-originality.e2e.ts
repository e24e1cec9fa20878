import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordSimulator, MessageFlags, type SimMessage } from '../sim/index.js';
import { removeDir, startTestBot, type TestBot } from '../bot/support/test-bot.js';

/**
 * The originality line end to end: real discord.js against the simulator, the compose worker in a
 * child process checking the piece against the bundled model's originality index (build first:
 * `npm run build`). What the user sees: "longest shared phrase: N bars" in the result embed, the
 * number the piece's row stores.
 */
const isResult = (message: SimMessage) => message.attachments.length === 3 && !(message.flags & MessageFlags.Loading);
const WAIT_MS = 100_000;
const SLOW = { timeout: 120_000 };
const LINE = /^longest shared phrase: (\d+(?:\.\d)?) bars?(?:\n\*.+\*)?$/;

describe('the originality line on the simulator', () => {
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

  async function originalityOf(reply: SimMessage): Promise<{ shown: string; stored: Record<string, unknown> }> {
    const embed = reply.embeds[0] as { fields: Array<{ name: string; value: string }> };
    const shown = embed.fields.find((f) => f.name === 'Originality')?.value ?? '';
    // The reactions come once the piece's row names its message.
    await sim.waitFor(() => reply.reactions.size === 4, 'the bot to add four rating reactions');
    const row = await test.bot.context.db.prisma.piece.findFirstOrThrow({ where: { messageId: reply.id } });
    return { shown, stored: JSON.parse(row.parameters) as Record<string, unknown> };
  }

  it('/compose shows the longest phrase shared with the training data, as stored', SLOW, async () => {
    const run = sim.user('alice').slash('compose', { style: 'folk', seed: 'G4q A4q B4h', tempo: 120 });
    const reply = await run.waitForReply(isResult, WAIT_MS);
    const { shown, stored } = await originalityOf(reply);
    expect(shown).toMatch(LINE);
    expect(typeof stored.longestCopiedBars).toBe('number');
    expect(Number(LINE.exec(shown)![1])).toBe(stored.longestCopiedBars);
    // Compose re-samples a take of 4 bars or more, so what is posted copies less (or says why not).
    if ((stored.longestCopiedBars as number) >= 4) expect(shown).toMatch(/still shares/);
  });

  it('/harmonize shows the line for the accompaniment', SLOW, async () => {
    const run = sim.user('bob').slash('harmonize', { seed: 'E4q D4q C4h | G4e F4e E4q D4h', instruments: 'flute,piano', tempo: 100 });
    const reply = await run.waitForReply(isResult, WAIT_MS);
    const { shown, stored } = await originalityOf(reply);
    expect(shown).toMatch(LINE);
    expect(stored).toMatchObject({ useCase: 'harmonize', longestCopiedBars: Number(LINE.exec(shown)![1]) });
  });
});
