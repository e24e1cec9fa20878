import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DiscordSimulator, MessageFlags, daveFrameReport, renderChordOgg, type DaveCall, type SimInteraction } from '../sim/index.js';
import { packetGaps, setSessionNice, watchOwnStalls } from '../sim/voice-gaps.js';
import { startVoiceBotProcess, type SeededPiece, type VoiceBotProcess } from './support/voice-bot-process.js';

/**
 * DAVE (end-to-end encrypted voice, protocol v1) as Discord runs it: the simulator's voice gateway
 * is the MLS group's external sender, and the scripted users in the bot's channel are group
 * members (davey sessions) that decrypt every frame the bot sends, after transport decryption.
 * The bot is `rhythmix bot` in its own process, with the real discord.js and @discordjs/voice.
 */
describe('bot voice over DAVE v1 (bot in its own process)', () => {
  let five: Buffer;
  let two: Buffer;
  let sim: DiscordSimulator | undefined;
  let bot: VoiceBotProcess | undefined;
  let stopWatching: (() => void) | undefined;
  let ownSessionNice: number | undefined;

  beforeAll(() => {
    five = renderChordOgg(5);
    two = renderChordOgg(2);
    // This process stamps packet arrivals: like the bot's session, it gets a larger CPU share when allowed.
    if (!process.env.VOICE_GAP_NO_SESSION_NICE) ownSessionNice = setSessionNice('self', -10);
  });

  afterAll(() => {
    if (ownSessionNice !== undefined) setSessionNice('self', ownSessionNice);
  });

  afterEach(async () => {
    stopWatching?.();
    await bot?.stop();
    await sim?.close();
    bot = undefined;
    sim = undefined;
    stopWatching = undefined;
  });

  const answer = async (interaction: SimInteraction) => interaction.waitForReply((m) => !(m.flags & MessageFlags.Loading) && m.content !== '');
  const call = (): DaveCall => sim!.voice.dave()!;
  const audioCount = () => sim!.voice.received().audioPackets.length;
  const afterPackets = (count: number, what: string) => sim!.waitFor(() => (audioCount() >= count ? true : undefined), what, 20_000);
  /** Waits until a transition has executed whose group is exactly these members (user ids). */
  const groupIs = (members: string[], what: string) =>
    sim!.waitFor(
      () => {
        const last = call().transitions.at(-1);
        return call().idle && last && [...last.members].sort().join() === [...members].sort().join() ? last : undefined;
      },
      `${what}\n${call().log.slice(-12).join('\n')}`,
      15_000,
    );
  const describeMisses = (missed: Array<{ sequence: number; listener: string; at: number; e2ee: boolean }>) =>
    `${missed.length} missed: ${JSON.stringify(missed.slice(0, 8))}\n${call().log.join('\n')}`;

  it('a listener joins mid-piece and another leaves: every frame decrypts for the members present; then the call empties and fills again', async () => {
    sim = await DiscordSimulator.start();
    const stalls = watchOwnStalls();
    stopWatching = stalls.stop;
    bot = await startVoiceBotProcess(sim, [five, two], { VOICE_IDLE_SECONDS: '60', VOICE_ALONE_SECONDS: '60' });
    const [alice, bob, carol] = [sim.user('alice'), sim.user('bob'), sim.user('carol')];
    const botId = sim.applicationId;
    alice.joinVoice('Music');
    const [piece, again] = bot.pieces as [SeededPiece, SeededPiece];
    expect((await answer(alice.click(piece.message, piece.playId))).content).toMatch(/^▶️ Now playing/);
    await groupIs([botId, alice.id], 'the bot to make a group with alice');

    await afterPackets(60, 'a second of the piece');
    bob.joinVoice('Music');
    await groupIs([botId, alice.id, bob.id], 'bob to be added');
    await afterPackets(150, 'more of the piece');
    alice.leaveVoice();
    await groupIs([botId, bob.id], 'alice to be removed');
    const audio = await sim.voice.waitForAudioEnd({ minPackets: 240, timeoutMs: 20_000 });
    stalls.stop();

    // What the listeners heard is the posted piece.
    const comparison = audio.compareWithOgg(five);
    expect(comparison.receivedPackets).toBe(comparison.sourcePackets);
    expect(comparison.correlation).toBeGreaterThan(0.99);
    // Every frame after each transition decrypted for every member present.
    const frames = daveFrameReport(audio.packets);
    expect(frames.decrypted, describeMisses(frames.missed)).toBe(frames.sent);
    const heardBy = (id: string) => audio.audioPackets.filter((p) => p.dave?.heardBy.includes(id)).length;
    expect(heardBy(alice.id)).toBeGreaterThan(100);
    expect(heardBy(bob.id)).toBeGreaterThan(50);
    expect(audio.audioPackets.filter((p) => p.dave?.e2ee).length).toBeGreaterThan(comparison.sourcePackets - 5);
    const gaps = packetGaps(audio.audioPackets, stalls.stalls);
    const transitions = call().transitions.length;
    console.info(
      `dave: transitions ${transitions}, frames decrypted ${frames.decrypted}/${frames.sent}, max gap ${gaps.maxSender.toFixed(1)} ms ` +
        `(as stamped ${gaps.maxRaw.toFixed(1)} ms; epoch ${call().epoch}, ${comparison.sourcePackets} frames, correlation ${comparison.correlation.toFixed(4)})`,
    );
    const transitionTimes = call()
      .transitions.map((t) => `${t.id}@${t.at.toFixed(0)}`)
      .join(', ');
    const gapsAt = gaps.senderGapsOver40.map((gap) => ({ ...gap, at: Math.round(audio.packets.find((p) => p.sequence === gap.afterSequence)!.receivedAtMs) }));
    expect(gapsAt, `gaps over 40 ms (at = arrival of the packet before); transitions at ${transitionTimes}`).toEqual([]);

    // The last listener leaves: the bot's group is thrown away (op 24 + op 21); carol starts a new one.
    bob.leaveVoice();
    await sim.waitFor(() => (call().transitions.at(-1)?.reason === 'sole-member reset' ? true : undefined), 'the sole-member reset');
    carol.joinVoice('Music');
    const fresh = await groupIs([botId, carol.id], 'a new group with carol');
    expect(fresh.epoch).toBe(1n);
    const mark = sim.voice.mark();
    await answer(carol.click(again.message, again.playId));
    const second = await sim.voice.waitForAudioEnd({ since: mark, minPackets: 90, timeoutMs: 20_000 });
    expect(second.compareWithOgg(two).correlation).toBeGreaterThan(0.99);
    const secondFrames = daveFrameReport(second.packets);
    expect(secondFrames.sent).toBeGreaterThanOrEqual(90);
    expect(secondFrames.decrypted, describeMisses(secondFrames.missed)).toBe(secondFrames.sent);
    expect(call().errors).toEqual([]);
    expect(sim.voice.connections).toHaveLength(1);
    expect(bot.logs()).not.toMatch(/"level":(40|50)/);
  });

  it('joins a call whose group already exists (welcome), and keeps DAVE through a voice gateway resume', async () => {
    sim = await DiscordSimulator.start();
    const [alice, bob, carol] = [sim.user('alice'), sim.user('bob'), sim.user('carol')];
    alice.joinVoice('Music');
    bob.joinVoice('Music');
    // The listeners' group exists before the bot comes.
    const music = sim.voice.dave(sim.channel('Music').id)!;
    expect(music.groupMembers.sort()).toEqual([alice.id, bob.id].sort());
    bot = await startVoiceBotProcess(sim, [five], { VOICE_IDLE_SECONDS: '60', VOICE_ALONE_SECONDS: '60' });
    const botId = sim.applicationId;
    const piece = bot.pieces[0]!;
    await answer(alice.click(piece.message, piece.playId));
    const joined = await groupIs([alice.id, bob.id, botId], 'the bot to be welcomed');
    expect(joined.reason).toContain(`add [${botId}] by ${alice.id}`);
    expect(music.log.some((line) => line.includes('op 30 → bot'))).toBe(true);

    await afterPackets(80, 'some of the piece');
    sim.voice.dropSocket();
    await sim.waitFor(() => (sim!.voice.connection()!.resumes === 1 && sim!.voice.connection()!.socket ? true : undefined), 'the voice gateway to resume');
    carol.joinVoice('Music');
    await groupIs([alice.id, bob.id, botId, carol.id], 'carol to be added after the resume');
    const audio = await sim.voice.waitForAudioEnd({ minPackets: 240, timeoutMs: 20_000 });
    expect(audio.compareWithOgg(five).correlation).toBeGreaterThan(0.99);
    const frames = daveFrameReport(audio.packets);
    // About 240 frames for alice and bob from the welcome on, and carol's share after the resume.
    expect(frames.sent).toBeGreaterThanOrEqual(400);
    expect(frames.decrypted, describeMisses(frames.missed)).toBe(frames.sent);
    expect(audio.audioPackets.filter((p) => p.dave?.heardBy.includes(carol.id)).length).toBeGreaterThan(20);
    expect(sim.voice.connections).toHaveLength(1);
    expect(call().errors).toEqual([]);
  });

  it('survives a hostile voice server: bad MLS messages are logged, DAVE recovers and the queue plays on', async () => {
    sim = await DiscordSimulator.start();
    bot = await startVoiceBotProcess(sim, [five, two], { VOICE_IDLE_SECONDS: '60', VOICE_ALONE_SECONDS: '60' });
    const alice = sim.user('alice');
    const botId = sim.applicationId;
    alice.joinVoice('Music');
    const [first, second] = bot.pieces as [SeededPiece, SeededPiece];
    await answer(alice.click(first.message, first.playId));
    expect((await answer(alice.click(second.message, second.playId))).content).toMatch(/^🎶 Queued/);
    await groupIs([botId, alice.id], 'the group');
    await afterPackets(50, 'the first piece to play');

    for (const kind of ['wrong-epoch', 'malformed'] as const) {
      const before = call().transitions.length;
      call().sendBadProposals(kind);
      // The bot reports the broken state (op 31) and is added again with a new key package.
      await sim.waitFor(
        () => (call().transitions.length > before && call().botInGroup && call().idle ? true : undefined),
        `DAVE to recover after ${kind}\n${call().log.slice(-10).join('\n')}`,
      );
    }
    expect(call().invalidCommitReports).toHaveLength(2);
    // A binary message too short for its header is dropped and reported; the group stays as it is.
    call().sendBadProposals('truncated-frame');
    await sim.waitFor(() => (/could not be read/.test(bot!.logs()) ? true : undefined), 'the bot to report the unreadable frame');
    const mark = sim.voice.mark();
    const next = await sim.voice.waitForAudioEnd({ since: mark, minPackets: 90, timeoutMs: 20_000 });
    // The queue went on: the second piece played whole, end-to-end encrypted, and alice heard all of it.
    const secondPiece = next.audioPackets.slice(-100);
    expect(next.compareWithOgg(two).receivedPackets).toBeGreaterThanOrEqual(100);
    expect(secondPiece.every((p) => p.dave?.e2ee && p.dave.heardBy.includes(alice.id))).toBe(true);
    expect(bot.child.exitCode).toBeNull();
    const logs = bot.logs();
    expect(logs.match(/DAVE session could not process/g) ?? []).toHaveLength(2);
    expect(logs.match(/could not be read/g) ?? []).toHaveLength(1);
    expect(logs).not.toMatch(/voice thread (crashed|exited)/);
  });
});
