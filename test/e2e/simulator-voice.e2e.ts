import { VoiceConnectionStatus, joinVoiceChannel, type VoiceConnection } from '@discordjs/voice';
import type { Client, VoiceChannel } from 'discord.js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DiscordSimulator, renderChordOgg, simFile } from '../sim/index.js';
import { loginClient } from './support/client.js';
import { startPlainBot, type PlainBot } from './support/plain-bot.js';

describe('simulator voice server with @discordjs/voice', () => {
  let ogg: Buffer;
  let sim: DiscordSimulator | undefined;
  let bot: PlainBot | undefined;
  let client: Client | undefined;
  let connection: VoiceConnection | undefined;

  beforeAll(() => {
    ogg = renderChordOgg(1);
  });

  afterEach(async () => {
    if (connection && connection.state.status !== VoiceConnectionStatus.Destroyed) connection.destroy();
    await bot?.stop();
    await client?.destroy();
    await sim?.close();
    connection = undefined;
    bot = undefined;
    client = undefined;
    sim = undefined;
  });

  it('negotiates aead_xchacha20_poly1305_rtpsize when it is the only mode offered', async () => {
    sim = await DiscordSimulator.start({ voice: { modes: ['aead_xchacha20_poly1305_rtpsize'] } });
    bot = await startPlainBot(sim);
    const alice = sim.user('alice');
    alice.joinVoice('Lounge');
    const interaction = alice.slash('play', { file: simFile('short.ogg', ogg) });
    await interaction.waitForReply((message) => message.attachments.length === 1);
    const received = await sim.voice.waitForAudioEnd({ minPackets: 40, timeoutMs: 15_000 });
    const voiceConnection = sim.voice.connection()!;
    expect(voiceConnection.mode).toBe('aead_xchacha20_poly1305_rtpsize');
    expect(voiceConnection.channelId).toBe(sim.channel('Lounge').id);
    expect(voiceConnection.decryptFailures).toBe(0);
    // DAVE v1: alice is a member of the bot's MLS group and decrypts every frame (the first ones, sent
    // before the group existed, pass in the upgrade's passthrough window as they would for a Discord client).
    expect(voiceConnection.daveProtocolVersion).toBe(1);
    expect(received.audioPackets.every((packet) => packet.dave?.heardBy.includes(alice.id))).toBe(true);
    expect(received.audioPackets.filter((packet) => packet.dave?.e2ee).length).toBeGreaterThan(40);
    const comparison = received.compareWithOgg(ogg);
    expect(comparison.identicalPackets).toBe(comparison.sourcePackets);
    expect(comparison.receivedPackets).toBe(comparison.sourcePackets);
    expect(comparison.sourcePackets).toBeGreaterThanOrEqual(50);
    expect(received.stats().nonSilentRatio).toBeGreaterThan(0.9);

    // A second piece on the same connection, looked at on its own.
    const mark = sim.voice.mark();
    const again = alice.slash('play', { file: simFile('again.ogg', ogg) });
    await again.waitForReply((message) => message.attachments.length === 1);
    const second = await sim.voice.waitForAudioEnd({ since: mark, minPackets: 40, timeoutMs: 15_000 });
    expect(sim.voice.connections).toHaveLength(1);
    expect(second.compareWithOgg(ogg).identicalPackets).toBe(comparison.sourcePackets);
    expect(sim.voice.received().audioPackets).toHaveLength(2 * comparison.sourcePackets);
    expect(bot.errors).toEqual([]);
  });

  it('negotiates DAVE protocol 0 only when a test asks for it: frames are then plain Opus', async () => {
    sim = await DiscordSimulator.start({ voice: { daveProtocolVersion: 0 } });
    bot = await startPlainBot(sim);
    const alice = sim.user('alice');
    alice.joinVoice('Music');
    await alice.slash('play', { file: simFile('short.ogg', ogg) }).waitForReply((message) => message.attachments.length === 1);
    const received = await sim.voice.waitForAudioEnd({ minPackets: 40, timeoutMs: 15_000 });
    expect(sim.voice.connection()!.daveProtocolVersion).toBe(0);
    expect(sim.voice.dave()).toBeUndefined();
    expect(received.audioPackets.every((packet) => packet.dave === undefined)).toBe(true);
    expect(received.compareWithOgg(ogg).identicalPackets).toBe(received.compareWithOgg(ogg).sourcePackets);
  });

  it('refuses a client that turned DAVE off, with close code 4017 like Discord', async () => {
    sim = await DiscordSimulator.start();
    client = await loginClient(sim);
    const channel = client.channels.cache.get(sim.channel('Music').id) as VoiceChannel;
    connection = joinVoiceChannel({
      channelId: channel.id,
      guildId: channel.guild.id,
      adapterCreator: channel.guild.voiceAdapterCreator,
      daveEncryption: false,
    });
    connection.on('error', () => undefined);
    // @discordjs/voice answers a close by signalling again; every attempt is refused the same way.
    const rejections = await sim.waitFor(() => (sim!.voice.rejections.length >= 2 ? sim!.voice.rejections : undefined), 'two refused voice handshakes');
    for (const rejection of rejections) expect(rejection).toMatchObject({ code: 4017, maxDaveProtocolVersion: 0 });
    expect(connection.rejoinAttempts).toBeGreaterThanOrEqual(1);
    expect(connection.state.status).not.toBe(VoiceConnectionStatus.Ready);
    expect(sim.voice.connections).toHaveLength(0);
    // The bot's own voice state went through the gateway: op 4 was answered with VOICE_STATE_UPDATE.
    expect(sim.guild.voiceStates.get(sim.applicationId)?.channelId).toBe(channel.id);
  });
});
