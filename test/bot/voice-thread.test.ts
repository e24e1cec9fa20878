import type { DiscordGatewayAdapterCreator } from '@discordjs/voice';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PlayerRegistry, type LeaveReason } from '../../src/bot/voice/guild-player.js';

/**
 * The main thread ⇄ voice thread bridge (the built dist/workers/voice-thread.js): the voice
 * thread's gateway payloads come out of the guild's adapter on the main thread, and its answers
 * and departures reach the main thread's players. No Discord here: the adapter records what it
 * is asked to send and never answers, so the join times out.
 */
describe('voice thread bridge', () => {
  let registry: PlayerRegistry | undefined;
  afterEach(() => {
    registry?.destroyAll();
    registry = undefined;
  });

  it('sends the join through the main thread’s adapter and reports a join that never completes', async () => {
    const leaves: Array<[string, LeaveReason]> = [];
    const started: Array<number | null> = [];
    registry = new PlayerRegistry({
      idleTimeoutMs: 60_000,
      connectTimeoutMs: 300,
      onLeave: (guildId, reason) => leaves.push([guildId, reason]),
      onThreadStart: (nice) => started.push(nice),
    });
    const sent: unknown[] = [];
    let destroyed = 0;
    const adapterCreator: DiscordGatewayAdapterCreator = () => ({
      sendPayload: (payload) => {
        sent.push(payload);
        return true;
      },
      destroy: () => void destroyed++,
    });

    const player = registry.getOrCreate('g1');
    expect(registry.getOrCreate('g1')).toBe(player);
    await expect(player.connect({ guildId: 'g1', channelId: 'c1', adapterCreator })).rejects.toThrow('could not connect to the voice channel within 0.3 s');
    // Gateway op 4 from the voice thread, as discord.js would send it for @discordjs/voice.
    expect(sent[0]).toEqual({ op: 4, d: { guild_id: 'g1', channel_id: 'c1', self_deaf: true, self_mute: false } });
    await vi.waitFor(() => expect(leaves).toEqual([['g1', 'connect-failed']]));
    expect(player.isDestroyed).toBe(true);
    expect(registry.get('g1')).toBeUndefined();
    // Leaving sent op 4 with no channel and gave the adapter back.
    expect(sent.at(-1)).toEqual({ op: 4, d: { guild_id: 'g1', channel_id: null, self_deaf: true, self_mute: false } });
    await vi.waitFor(() => expect(destroyed).toBe(1));
    expect(started).toHaveLength(1);

    // A new player for the guild gets a new session; the old one's actions find nothing.
    const next = registry.getOrCreate('g1');
    expect(next).not.toBe(player);
    expect(next.session).toBeGreaterThan(player.session);
    await expect(player.enqueue({ pieceId: '1', title: 't', audioPath: '/nope.ogg', requestedBy: 'u', seconds: 1 })).rejects.toThrow(/has left/);
    expect(await next.skip()).toBeUndefined();
  });
});
