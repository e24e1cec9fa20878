import { describe, expect, it } from 'vitest';
import { checkControl, checkPlayRequest, countListeners, type PlaybackSnapshot } from '../../src/bot/voice/rules.js';

const playing: PlaybackSnapshot = { botChannelId: 'music', playing: true, paused: false, queued: 2 };
const idle: PlaybackSnapshot = { botChannelId: 'music', playing: false, paused: false, queued: 0 };
const away: PlaybackSnapshot = { botChannelId: undefined, playing: false, paused: false, queued: 0 };

describe('checkControl: only members of the bot channel control playback', () => {
  it.each(['skip', 'stop', 'pause', 'leave'] as const)('%s is allowed to a member of the bot channel while playing', (command) => {
    expect(checkControl(command, playing, 'music')).toEqual({ ok: true });
  });

  it.each(['skip', 'stop', 'pause', 'resume', 'leave'] as const)('%s is refused to someone in another channel or in none', (command) => {
    for (const memberChannel of ['lounge', undefined]) {
      const verdict = checkControl(command, { ...playing, paused: command === 'resume' }, memberChannel);
      expect(verdict.ok).toBe(false);
      expect(!verdict.ok && verdict.reason).toMatch(/^Only members of <#music> can .+ — join it first\.$/);
    }
  });

  it('says the bot is not in voice before anything else', () => {
    expect(checkControl('skip', away, 'music')).toEqual({ ok: false, reason: "I'm not in a voice channel — nothing is playing." });
    expect(checkControl('leave', away, undefined)).toEqual({ ok: false, reason: "I'm not in a voice channel." });
  });

  it('explains each command that makes no sense in the current state', () => {
    expect(checkControl('skip', idle, 'music')).toEqual({ ok: false, reason: 'Nothing is playing.' });
    expect(checkControl('stop', idle, 'music')).toEqual({ ok: false, reason: 'Nothing is playing and the queue is empty.' });
    expect(checkControl('pause', idle, 'music')).toEqual({ ok: false, reason: 'Nothing is playing.' });
    expect(checkControl('pause', { ...playing, paused: true }, 'music')).toEqual({ ok: false, reason: 'Already paused — use /resume to continue.' });
    expect(checkControl('resume', playing, 'music')).toEqual({ ok: false, reason: 'Not paused — it is playing.' });
    expect(checkControl('resume', { ...playing, paused: true }, 'music')).toEqual({ ok: true });
    // Leaving an idle channel is always fine for its members.
    expect(checkControl('leave', idle, 'music')).toEqual({ ok: true });
    // A queue without a current piece (e.g. between two pieces) can still be stopped.
    expect(checkControl('stop', { ...idle, queued: 1 }, 'music')).toEqual({ ok: true });
  });
});

describe('checkPlayRequest', () => {
  const base = { memberChannelId: 'music', botChannelId: undefined, busy: false, queued: 0, maxQueueLength: 3 };

  it('needs the caller in a voice channel', () => {
    expect(checkPlayRequest({ ...base, memberChannelId: undefined })).toEqual({
      ok: false,
      reason: 'Join a voice channel in this server first, then try again.',
    });
  });

  it('keeps a busy bot in its channel but lets an idle one follow the caller', () => {
    expect(checkPlayRequest({ ...base, memberChannelId: 'lounge', botChannelId: 'music', busy: true })).toEqual({
      ok: false,
      reason: "I'm playing in <#music> — join it to add to its queue.",
    });
    expect(checkPlayRequest({ ...base, memberChannelId: 'lounge', botChannelId: 'music', busy: false })).toEqual({ ok: true });
    expect(checkPlayRequest({ ...base, botChannelId: 'music', busy: true, queued: 2 })).toEqual({ ok: true });
  });

  it('refuses when the queue is full', () => {
    const verdict = checkPlayRequest({ ...base, botChannelId: 'music', busy: true, queued: 3 });
    expect(verdict).toEqual({ ok: false, reason: 'The queue is full (3 pieces) — try again when a few have played.' });
  });
});

describe('countListeners', () => {
  it('counts people in the channel, not bots and not other channels', () => {
    const states = [
      { channelId: 'music', isBot: true },
      { channelId: 'music', isBot: false },
      { channelId: 'lounge', isBot: false },
      { channelId: null, isBot: false },
    ];
    expect(countListeners(states, 'music')).toBe(1);
    expect(countListeners(states.slice(0, 1), 'music')).toBe(0);
    expect(countListeners(states, 'lounge')).toBe(1);
  });
});
