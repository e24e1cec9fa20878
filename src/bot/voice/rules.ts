/**
 * Who may control voice playback and what each command can do in the player's state — pure
 * functions over plain values, so the rules are tested without Discord and every refusal has
 * one helpful sentence.
 */

export type VoiceControlCommand = 'skip' | 'stop' | 'pause' | 'resume' | 'leave';

/** What the commands need to know about one guild's player. */
export interface PlaybackSnapshot {
  /** The voice channel the bot is in, if any. */
  readonly botChannelId: string | undefined;
  /** A piece is playing (or paused, or about to start). */
  readonly playing: boolean;
  /** Paused by a member (not the library's own auto-pause). */
  readonly paused: boolean;
  /** Pieces waiting after the current one. */
  readonly queued: number;
}

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const OK: Verdict = { ok: true };
const refuse = (reason: string): Verdict => ({ ok: false, reason });

const VERBS: Record<VoiceControlCommand, string> = {
  skip: 'skip pieces',
  stop: 'stop playback',
  pause: 'pause playback',
  resume: 'resume playback',
  leave: 'make me leave',
};

/** A channel mention Discord renders as its name. */
export const channelMention = (channelId: string): string => `<#${channelId}>`;

/**
 * May this member run this control command now? Order of the checks: is there anything to
 * control, is the member in the bot's channel (only they control playback), does the
 * command make sense in the current state.
 *
 * checkControl('pause', { botChannelId: '1', playing: true, paused: false, queued: 0 }, '2')
 * // => { ok: false, reason: 'Only members of <#1> can pause playback — join it first.' }
 */
export function checkControl(command: VoiceControlCommand, state: PlaybackSnapshot, memberChannelId: string | undefined): Verdict {
  if (state.botChannelId === undefined) {
    return refuse(command === 'leave' ? "I'm not in a voice channel." : "I'm not in a voice channel — nothing is playing.");
  }
  if (memberChannelId !== state.botChannelId) {
    return refuse(`Only members of ${channelMention(state.botChannelId)} can ${VERBS[command]} — join it first.`);
  }
  switch (command) {
    case 'skip':
      return state.playing ? OK : refuse('Nothing is playing.');
    case 'stop':
      return state.playing || state.queued > 0 ? OK : refuse('Nothing is playing and the queue is empty.');
    case 'pause':
      if (!state.playing) return refuse('Nothing is playing.');
      return state.paused ? refuse('Already paused — use /resume to continue.') : OK;
    case 'resume':
      if (!state.playing) return refuse('Nothing is playing.');
      return state.paused ? OK : refuse('Not paused — it is playing.');
    case 'leave':
      return OK;
  }
}

export interface PlayRequest {
  /** The caller's voice channel in this guild, if any. */
  readonly memberChannelId: string | undefined;
  readonly botChannelId: string | undefined;
  /** The bot is playing or has a queue (so it must not be pulled into another channel). */
  readonly busy: boolean;
  readonly queued: number;
  readonly maxQueueLength: number;
}

/**
 * May this caller add a piece? They must be in a voice channel; a busy bot stays in its
 * channel (the caller joins it instead), an idle one follows the caller.
 */
export function checkPlayRequest(request: PlayRequest): Verdict {
  if (request.memberChannelId === undefined) return refuse('Join a voice channel in this server first, then try again.');
  if (request.botChannelId !== undefined && request.botChannelId !== request.memberChannelId && request.busy) {
    return refuse(`I'm playing in ${channelMention(request.botChannelId)} — join it to add to its queue.`);
  }
  if (request.queued >= request.maxQueueLength) {
    return refuse(`The queue is full (${request.maxQueueLength} pieces) — try again when a few have played.`);
  }
  return OK;
}

/** Who counts as a listener: anyone in the channel except bots (including this one). */
export function countListeners(states: Iterable<{ readonly channelId: string | null; readonly isBot: boolean }>, channelId: string): number {
  let listeners = 0;
  for (const state of states) if (state.channelId === channelId && !state.isBot) listeners++;
  return listeners;
}
