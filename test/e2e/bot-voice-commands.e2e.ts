import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatDuration } from '../../src/bot/voice/queue-view.js';
import { DiscordSimulator, MessageFlags, readOggOpus, renderChordOgg, type SimInteraction, type SimMessage } from '../sim/index.js';
import { sleep, startVoiceBot, waitForBotChannel, type VoiceBot } from './bot-voice-harness.js';

/**
 * Voice playback end to end: the real bot (startBot, router, voice handlers, @discordjs/voice with
 * DAVE on) against the simulator. Pieces are short chords posted with the real Play button.
 */
describe('bot voice: Play, /queue, /skip, /stop, /pause, /resume, /leave', () => {
  let short: Buffer;
  let long: Buffer;
  let sim: DiscordSimulator | undefined;
  let voice: VoiceBot | undefined;

  beforeAll(() => {
    short = renderChordOgg(4);
    long = renderChordOgg(8);
  });

  afterEach(async () => {
    await voice?.stop();
    await sim?.close();
    voice = undefined;
    sim = undefined;
  });

  const isEphemeral = (message: SimMessage) => (message.flags & MessageFlags.Ephemeral) !== 0;
  const answer = async (interaction: SimInteraction) => interaction.waitForReply((m) => !(m.flags & MessageFlags.Loading) && m.content !== '');
  const audioPackets = () => sim!.voice.received().audioPackets.length;

  it('plays pieces in order in the caller’s channel, without re-encoding; refuses callers elsewhere; leaves when idle', async () => {
    sim = await DiscordSimulator.start();
    voice = await startVoiceBot(sim, { VOICE_IDLE_SECONDS: '1', VOICE_ALONE_SECONDS: '30' });
    const [alice, bob, carol] = [sim.user('alice'), sim.user('bob'), sim.user('carol')];
    const music = sim.channel('Music').id;
    const first = await voice.postPiece(short);
    const second = await voice.postPiece(long);

    // Not in a voice channel: an ephemeral explanation, no connection.
    const refused = await answer(bob.click(first.message, first.playId));
    expect(refused.content).toBe('Join a voice channel in this server first, then try again.');
    expect(isEphemeral(refused)).toBe(true);
    expect(sim.voice.connections).toHaveLength(0);

    alice.joinVoice('Music');
    const played = await answer(alice.click(first.message, first.playId));
    expect(played.content).toBe(`▶️ Now playing **${first.title}** (${formatDuration(first.seconds)}) in <#${music}>.`);
    expect(isEphemeral(played)).toBe(false);
    const queued = await answer(alice.click(second.message, second.playId));
    expect(queued.content).toBe(`🎶 Queued **${second.title}** in <#${music}> — position 1 in the queue.`);
    await waitForBotChannel(sim, music);
    expect(sim.voice.connection()!.maxDaveProtocolVersion).toBeGreaterThanOrEqual(1);
    // Over DAVE v1: the packets compared above are what the simulated listeners decrypted.
    expect(sim.voice.connection()!.daveProtocolVersion).toBe(1);

    // Anyone may look at the queue, also from outside the voice channel.
    const queue = await answer(carol.slash('queue'));
    expect(isEphemeral(queue)).toBe(false);
    expect(
      queue.content.startsWith(
        `▶️ Now playing in <#${music}>: **${first.title}** (${formatDuration(first.seconds)}, piece \`${first.pieceId}\`, asked by <@${alice.id}>)`,
      ),
    ).toBe(true);
    expect(queue.content).toContain(`Up next (1, ${formatDuration(second.seconds)}):\n1. **${second.title}**`);

    // Only members of the bot's channel control playback.
    const notMember = await answer(carol.slash('skip'));
    expect(notMember.content).toBe(`Only members of <#${music}> can skip pieces — join it first.`);
    expect(isEphemeral(notMember)).toBe(true);
    bob.joinVoice('Lounge');
    const elsewhere = await answer(bob.click(first.message, first.playId));
    expect(elsewhere.content).toBe(`I'm playing in <#${music}> — join it to add to its queue.`);
    const lounge = await answer(bob.slash('pause'));
    expect(lounge.content).toBe(`Only members of <#${music}> can pause playback — join it first.`);

    // The first piece arrives packet for packet as the file has it, then the second.
    const firstAudio = await sim.voice.waitForAudioEnd({ minPackets: 50, timeoutMs: 20_000 });
    const comparison = firstAudio.compareWithOgg(short);
    expect(comparison.sourcePackets).toBeGreaterThanOrEqual(100);
    expect(comparison.identicalPackets).toBe(comparison.sourcePackets);
    const mark = sim.voice.mark();
    const secondAudio = await sim.voice.waitForAudioEnd({ since: mark, minPackets: 50, timeoutMs: 30_000 });
    expect(secondAudio.compareWithOgg(long).identicalPackets).toBe(secondAudio.compareWithOgg(long).sourcePackets);
    expect(sim.voice.connection()!.decryptFailures).toBe(0);

    // Nothing left: the bot leaves after VOICE_IDLE_SECONDS.
    await waitForBotChannel(sim, null, 10_000);
    const after = await answer(alice.slash('queue'));
    expect(after.content).toMatch(/^Nothing is playing and the queue is empty/);
    expect(voice.problems).toEqual([]);
  });

  it('pause, resume, skip, stop and leave by a member of the channel; helpful answers in every state', async () => {
    sim = await DiscordSimulator.start();
    voice = await startVoiceBot(sim, { VOICE_IDLE_SECONDS: '60', VOICE_ALONE_SECONDS: '60' });
    const alice = sim.user('alice');
    const music = sim.channel('Music').id;

    // Before anything plays.
    alice.joinVoice('Music');
    expect((await answer(alice.slash('skip'))).content).toBe("I'm not in a voice channel — nothing is playing.");
    expect((await answer(alice.slash('leave'))).content).toBe("I'm not in a voice channel.");
    expect((await answer(alice.slash('queue'))).content).toMatch(/^Nothing is playing and the queue is empty/);

    const a = await voice.postPiece(long);
    const b = await voice.postPiece(long);
    const c = await voice.postPiece(long);
    await answer(alice.click(a.message, a.playId));
    await answer(alice.click(b.message, b.playId));
    await answer(alice.click(c.message, c.playId));
    await sim.waitFor(() => (audioPackets() >= 25 ? true : undefined), 'audio to flow');

    // Pause: the packets stop (after the player's five silence frames); resume: they flow again.
    const paused = await answer(alice.slash('pause'));
    expect(paused.content).toBe(`⏸️ <@${alice.id}> paused **${a.title}** — /resume continues it.`);
    expect(isEphemeral(paused)).toBe(false);
    await sleep(300);
    const atPause = audioPackets();
    await sleep(500);
    expect(audioPackets()).toBe(atPause);
    expect((await answer(alice.slash('pause'))).content).toBe('Already paused — use /resume to continue.');
    expect((await answer(alice.slash('queue'))).content).toMatch(/^⏸️ Paused in/);
    expect((await answer(alice.slash('resume'))).content).toBe(`▶️ <@${alice.id}> resumed **${a.title}**.`);
    await sim.waitFor(() => (audioPackets() >= atPause + 25 ? true : undefined), 'audio to flow again after /resume');
    expect((await answer(alice.slash('resume'))).content).toBe('Not paused — it is playing.');

    // Skip cuts the first piece short; the next one starts from its first packet.
    expect((await answer(alice.slash('skip'))).content).toBe(`⏭️ <@${alice.id}> skipped **${a.title}**. Now playing **${b.title}**.`);
    const source = readOggOpus(long).packets;
    const sent = () => sim!.voice.received().audioPackets.map((packet) => packet.opus);
    const restart = await sim.waitFor(() => {
      const packets = sent();
      const at = packets.findIndex((packet, i) => i > 0 && packet.equals(source[0]!));
      return at > 0 && packets.length >= at + 25 ? at : undefined;
    }, 'the next piece to play from its start');
    expect(restart).toBeLessThan(source.length - 25); // the first piece did not play to its end
    const next = sent().slice(restart, restart + 25);
    expect(next.every((packet, i) => packet.equals(source[i]!))).toBe(true);

    // Stop clears the queue (beta playing + gamma waiting) but stays in the channel.
    expect((await answer(alice.slash('stop'))).content).toBe(
      `⏹️ <@${alice.id}> stopped playback and cleared the queue (2 pieces). I leave after 1:00 of silence, or use /leave.`,
    );
    expect((await answer(alice.slash('stop'))).content).toBe('Nothing is playing and the queue is empty.');
    expect((await answer(alice.slash('skip'))).content).toBe('Nothing is playing.');
    expect((await answer(alice.slash('queue'))).content).toBe(
      `Nothing is playing in <#${music}> and the queue is empty — press **Play** on a piece or use \`/compose\` with \`play\`.`,
    );
    expect(sim.guild.voiceStates.get(sim.applicationId)?.channelId).toBe(music);

    const left = await answer(alice.slash('leave'));
    expect(left.content).toBe(`👋 <@${alice.id}> sent me out of <#${music}>.`);
    await waitForBotChannel(sim, null);
    expect(voice.problems).toEqual([]);
  });

  it('tells the channel when playback had to stop: disconnected from voice mid-piece, with a queue', async () => {
    sim = await DiscordSimulator.start();
    voice = await startVoiceBot(sim, { VOICE_IDLE_SECONDS: '60', VOICE_ALONE_SECONDS: '60' });
    const alice = sim.user('alice');
    const [a, b] = [await voice.postPiece(long), await voice.postPiece(short)];
    alice.joinVoice('Music');
    await answer(alice.click(a.message, a.playId));
    await answer(alice.click(b.message, b.playId));
    await sim.waitFor(() => (audioPackets() >= 25 ? true : undefined), 'audio to flow');
    sim.voice.disconnectBot();
    const told = await sim.waitForMessage((m) => m.content.startsWith('⚠️ Playback stopped'), 15_000);
    expect(told.channelId).toBe(sim.channel('general').id);
    expect(told.content).toBe('⚠️ Playback stopped: I lost the voice connection and had to leave. Press **Play** on a piece to start again.');
    expect(voice.bot.context.players.get(sim.guild.id)).toBeUndefined();
    // Leaving on purpose says nothing: /leave after playing again.
    await answer(alice.click(b.message, b.playId));
    await waitForBotChannel(sim, sim.channel('Music').id);
    expect((await answer(alice.slash('leave'))).content).toMatch(/^👋/);
    await waitForBotChannel(sim, null);
    await sleep(300);
    expect(sim.messages((m) => m.content.startsWith('⚠️ Playback stopped'))).toHaveLength(1);
  });

  it('leaves a channel nobody listens in after the grace period, and stays while someone is there', async () => {
    sim = await DiscordSimulator.start();
    voice = await startVoiceBot(sim, { VOICE_IDLE_SECONDS: '60', VOICE_ALONE_SECONDS: '1' });
    const [alice, bob] = [sim.user('alice'), sim.user('bob')];
    const music = sim.channel('Music').id;
    const piece = await voice.postPiece(long);
    alice.joinVoice('Music');
    bob.joinVoice('Music');
    await answer(alice.click(piece.message, piece.playId));
    await sim.waitFor(() => (audioPackets() >= 10 ? true : undefined), 'audio to flow');

    // One listener leaves: the other is still there, so the bot stays.
    alice.leaveVoice();
    await sleep(1_800);
    expect(sim.guild.voiceStates.get(sim.applicationId)?.channelId).toBe(music);

    // The last one leaves (mid-piece): gone after about a second, long before the 8 s piece ends.
    bob.leaveVoice();
    const leftAt = Date.now();
    await waitForBotChannel(sim, null, 6_000);
    expect(Date.now() - leftAt).toBeGreaterThanOrEqual(900);
    expect(audioPackets()).toBeLessThan(readOggOpus(long).packets.length);
    expect(voice.bot.context.players.get(sim.guild.id)).toBeUndefined();
    expect(voice.problems).toEqual([]);
  });
});
