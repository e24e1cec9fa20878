import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DiscordSimulator, MessageFlags, renderChordOgg, simFile } from '../sim/index.js';
import { startPlainBot, type PlainBot } from './support/plain-bot.js';

/**
 * The "done when": a plain discord.js client logs in through the simulator, gets a slash
 * command with an attachment while its gateway connection is being resumed, answers with a deferred
 * reply carrying a file, joins voice and plays the Ogg/Opus file; the simulator decrypts and decodes
 * the RTP stream and finds the same audio.
 */
describe('discord.js + @discordjs/voice against the simulator', () => {
  let ogg: Buffer;
  let sim: DiscordSimulator | undefined;
  let bot: PlainBot | undefined;

  beforeAll(() => {
    ogg = renderChordOgg(3);
  });

  afterEach(async () => {
    await bot?.stop();
    await sim?.close();
    bot = undefined;
    sim = undefined;
  });

  it('runs a slash command across a gateway resume, replies with a file and plays the audio', async () => {
    sim = await DiscordSimulator.start();
    expect(sim.processTrustsVoiceCertificate).toBe(true);
    bot = await startPlainBot(sim);
    await sim.waitForCommands(['play']);
    const session = sim.gateway.session!;
    expect(session.identifies).toBe(1);

    const alice = sim.user('alice');
    alice.joinVoice('Music');

    // Drop the link, then send the command while the bot is disconnected: it must arrive by RESUME.
    sim.gateway.drop();
    const interaction = alice.slash('play', { file: simFile('chord.ogg', ogg, 'audio/ogg') });

    expect(await interaction.waitForAck()).toBe(5);
    const reply = await interaction.waitForReply((message) => message.attachments.length > 0);
    expect(reply.content).toBe('Playing chord.ogg in Music');
    expect(reply.flags & MessageFlags.Loading).toBe(0);
    expect(reply.attachments[0]!.filename).toBe('echo-chord.ogg');
    expect(reply.attachments[0]!.data.equals(ogg)).toBe(true);
    expect(sim.gateway.session).toBe(session);
    expect(session.resumes).toBe(1);
    expect(session.replayed).toBeGreaterThanOrEqual(1);
    expect(sim.interactionResponses.some((response) => response.late)).toBe(false);

    const received = await sim.voice.waitForAudioEnd({ minPackets: 100, timeoutMs: 20_000 });
    const connection = sim.voice.connection()!;
    expect(connection.channelId).toBe(sim.channel('Music').id);
    expect(connection.gatewayVersion).toBe('8');
    expect(connection.mode).toBe('aead_aes256_gcm_rtpsize');
    // The client keeps DAVE on: it announces its DAVE version even though the simulator negotiates 0.
    expect(connection.maxDaveProtocolVersion).toBeGreaterThanOrEqual(1);
    expect(connection.decryptFailures).toBe(0);
    expect(connection.speaking.map((event) => event.speaking)).toContain(1);
    expect(connection.heartbeats.length + connection.speaking.length).toBeGreaterThan(0);

    const comparison = received.compareWithOgg(ogg);
    expect(comparison.receivedPackets).toBe(comparison.sourcePackets);
    expect(comparison.identicalPackets).toBe(comparison.sourcePackets);
    expect(comparison.correlation).toBeGreaterThan(0.99);
    expect(comparison.receivedDurationMs).toBeCloseTo(3000, -2);

    const stats = received.stats();
    expect(stats.nonSilentRatio).toBeGreaterThan(0.95);
    expect(stats.rms).toBeGreaterThan(0.05);

    const timing = received.timing();
    expect(timing.lostPackets).toBe(0);
    // Paced in real time (20 ms a frame), not dumped at once.
    expect(timing.spanMs).toBeGreaterThan(0.8 * 3000);
    console.info(
      `voice timing: ${timing.packets} packets over ${Math.round(timing.spanMs)} ms, mean ${timing.meanIntervalMs.toFixed(1)} ms, max gap ${Math.round(timing.maxGapMs)} ms, gaps>40ms: ${JSON.stringify(timing.gaps)}`,
    );
    expect(bot.errors).toEqual([]);
  });
});
