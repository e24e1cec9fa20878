import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordSimulator, MessageFlags, simFile, type SimMessage } from '../sim/index.js';
import { removeDir, startTestBot, type TestBot } from '../bot/support/test-bot.js';

/** Every bad input of /compose gets a clear answer — ephemeral where it can be — and no stack trace. */
const isResult = (message: SimMessage) => message.attachments.length === 3 && !(message.flags & MessageFlags.Loading);
const ATTACH_FILES = 1n << 15n;
const ADD_REACTIONS = 1n << 6n;
/** Generous: the machine may be busy (2 cores shared); nothing here measures speed. */
const WAIT_MS = 100_000;
const SLOW = { timeout: 120_000 };

describe('/compose refusals', () => {
  let sim: DiscordSimulator;
  let test: TestBot;

  beforeAll(async () => {
    sim = await DiscordSimulator.start();
    test = await startTestBot(sim, { env: { QUEUE_PER_USER: '1' } });
    await sim.waitForCommands(['compose']);
  });

  afterAll(async () => {
    await test?.stop();
    await sim?.close();
    removeDir(test?.dir);
  });

  const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at |Error:|node_modules|\/src\//);

  it('a bad seed: ephemeral, pointing at the mistake', async () => {
    const run = sim.user('alice').slash('compose', { seed: 'C4q X4q G4h' });
    expect(await run.waitForAck()).toBe(4);
    const reply = await run.waitForReply();
    expect(reply.flags & MessageFlags.Ephemeral).toBeTruthy();
    expect(reply.content).toContain('character 5');
    expect(reply.content).toContain('C4q X4q G4h\n    ^');
    expect(await test.bot.context.db.prisma.piece.count()).toBe(0);
  });

  it('a seed longer than the piece: ephemeral, naming the option', async () => {
    const run = sim.user('alice').slash('compose', { seed: 'C4w | D4w | E4w', length: 2 });
    const reply = await run.waitForReply();
    expect(reply.flags & MessageFlags.Ephemeral).toBeTruthy();
    expect(reply.content).toMatch(/`length`/);
    noStack(reply.content);
  });

  it('a non-MIDI attachment: ephemeral, clear', async () => {
    const run = sim.user('alice').slash('compose', { midi: simFile('notes.txt', Buffer.from('not music'), 'text/plain') });
    const reply = await run.waitForReply();
    expect(reply.flags & MessageFlags.Ephemeral).toBeTruthy();
    expect(reply.content).toContain('must be a MIDI file');
    expect(reply.content).toContain('notes.txt');
  });

  it('a file named .mid that is not MIDI: the deferred reply says so', async () => {
    const run = sim.user('alice').slash('compose', { midi: simFile('fake.mid', Buffer.from('RIFF....WAVEfmt '), 'audio/midi') });
    expect(await run.waitForAck()).toBe(5);
    const reply = await run.waitForReply((m) => /not a MIDI file/.test(m.content), 20_000);
    expect(reply.attachments).toHaveLength(0);
    noStack(reply.content);
  });

  it('an oversized MIDI file: ephemeral, with the limit', async () => {
    const previous = process.env.RHYTHMIX_MAX_MIDI_BYTES;
    process.env.RHYTHMIX_MAX_MIDI_BYTES = '1024';
    try {
      const big = Buffer.concat([Buffer.from('MThd'), Buffer.alloc(4000)]);
      const run = sim.user('alice').slash('compose', { midi: simFile('big.mid', big, 'audio/midi') });
      const reply = await run.waitForReply();
      expect(reply.flags & MessageFlags.Ephemeral).toBeTruthy();
      expect(reply.content).toMatch(/big\.mid.*3\.9 KB.*limit is 1(\.0)? KB/);
    } finally {
      if (previous === undefined) delete process.env.RHYTHMIX_MAX_MIDI_BYTES;
      else process.env.RHYTHMIX_MAX_MIDI_BYTES = previous;
    }
  });

  it('missing permissions in the channel: says which', async () => {
    const saved = sim.guild.roles.map((role) => role.permissions);
    for (const role of sim.guild.roles) role.permissions &= ~(ATTACH_FILES | ADD_REACTIONS);
    try {
      const run = sim.user('alice').slash('compose', { seed: 'C4q' });
      const reply = await run.waitForReply();
      expect(reply.flags & MessageFlags.Ephemeral).toBeTruthy();
      expect(reply.content).toContain('**Attach Files**');
      expect(reply.content).toContain('**Add Reactions**');
    } finally {
      sim.guild.roles.forEach((role, i) => (role.permissions = saved[i]!));
    }
  });

  it('a second job while the first runs: "queue full, try again in N s"', SLOW, async () => {
    const bob = sim.user('bob');
    const first = bob.slash('compose', { seed: 'C4q E4q', style: 'classical', length: 2 });
    expect(await first.waitForAck()).toBe(5);
    const second = bob.slash('compose', { seed: 'G4q', style: 'classical', length: 2 });
    const refusal = await second.waitForReply();
    expect(refusal.flags & MessageFlags.Ephemeral).toBeTruthy();
    expect(refusal.content).toMatch(/Queue full: .*try again in \d+ s/);
    await first.waitForReply(isResult, WAIT_MS);
  });

  it('play without being in a voice channel: the piece is posted, the refusal is only for the caller', SLOW, async () => {
    const run = sim.user('carol').slash('compose', { seed: 'A4q', style: 'classical', length: 2, play: true });
    await run.waitForReply(isResult, WAIT_MS);
    const followUp = await run.waitForFollowUp((m) => (m.flags & MessageFlags.Ephemeral) !== 0, 10_000);
    expect(followUp.content).toMatch(/voice channel/i);
    expect(sim.voice.connections).toHaveLength(0);
  });

  it('logged refusals never contain the token', () => {
    for (const line of test.logs) expect(line).not.toContain(sim.token);
  });
});

describe('/compose outliving its interaction token', () => {
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

  it('posts the piece in the channel, mentioning who asked, with the reactions', SLOW, async () => {
    const alice = sim.user('alice');
    const run = alice.slash('compose', { seed: 'C4q G4q', style: 'classical', length: 2 });
    expect(await run.waitForAck()).toBe(5);
    // Discord's tokens live 15 minutes; this one dies as soon as the bot has deferred, so the
    // piece, whenever it is ready, can no longer go through the interaction.
    run.expireToken();
    const posted = await sim.waitForMessage((m) => isResult(m) && m.interactionId === undefined, WAIT_MS);
    expect(posted.content).toBe(`<@${alice.id}> your piece is ready:`);
    await sim.waitFor(() => posted.reactions.size === 4, 'the rating reactions');
    await expect.poll(() => test.bot.context.db.prisma.piece.count({ where: { messageId: posted.id } }), { timeout: 5000 }).toBe(1);
  });
});
