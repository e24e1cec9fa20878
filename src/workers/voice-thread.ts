/**
 * Worker-thread entry: all of @discordjs/voice — connections, players, Ogg demuxing, encryption
 * and the 20 ms packet clock — runs here, so nothing the main thread does (forking compose
 * processes, uploads, database work, garbage collection of its heap) can delay a voice packet.
 * It asks the OS for a higher priority for itself (Linux nice is per thread; needs root or
 * CAP_SYS_NICE, otherwise it stays at the default and says so), and for real-time round-robin
 * scheduling: a niced thread still waits its fair turn behind every other session's processes on a
 * busy machine (the soak measured 100–160 ms gaps that way), a real-time one runs when its timer fires.
 */
import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { DiscordGatewayAdapterCreator, DiscordGatewayAdapterLibraryMethods } from '@discordjs/voice';
import { entryData, serveCalls } from '../jobs/serve.js';
import { errorMessage } from '../util/errors.js';
import type { FromVoiceThread, PlayerSnapshot, ReplyValue, ToVoiceThread, VoiceReply, VoiceRequest, VoiceThreadSettings } from './voice/protocol.js';
import { QueuePlayer } from './voice/queue-player.js';

const settings = entryData<VoiceThreadSettings>();

const EMPTY: PlayerSnapshot = { channelId: undefined, current: undefined, upcoming: [], paused: false, playbackMs: 0, advancing: false, destroyed: true };

/** Each guild's player, tagged with the main thread's session number for it. */
const players = new Map<string, { session: number; player: QueuePlayer }>();
/** @discordjs/voice's side of each guild's gateway adapter. */
const adapters = new Map<string, DiscordGatewayAdapterLibraryMethods>();

function adapterCreator(guildId: string): DiscordGatewayAdapterCreator {
  return (methods) => {
    adapters.set(guildId, methods);
    post({ type: 'adapter-open', guildId });
    return {
      // Sent on by the main thread's shard; a shard that is down shows up as a failed join there.
      sendPayload: (payload) => {
        post({ type: 'adapter-send', guildId, payload });
        return true;
      },
      destroy: () => {
        if (adapters.get(guildId) === methods) adapters.delete(guildId);
        post({ type: 'adapter-close', guildId });
      },
    };
  };
}

function playerFor(guildId: string, session: number): QueuePlayer {
  const existing = players.get(guildId);
  if (existing && existing.session === session && !existing.player.isDestroyed) return existing.player;
  existing?.player.destroy('command');
  const player = new QueuePlayer(
    guildId,
    {
      idleTimeoutMs: settings.idleTimeoutMs,
      connectTimeoutMs: settings.connectTimeoutMs,
      ...(settings.aloneTimeoutMs !== undefined ? { aloneTimeoutMs: settings.aloneTimeoutMs } : {}),
      ...(settings.maxQueueLength !== undefined ? { maxQueueLength: settings.maxQueueLength } : {}),
      onError: (error) => post({ type: 'error', guildId, session, message: error.message }),
      onLeave: (_guild, reason) => post({ type: 'left', guildId, session, reason }),
      onChange: (changed) => post({ type: 'state', guildId, session, snapshot: changed.snapshot() }),
    },
    (gone) => {
      if (players.get(guildId)?.player === gone) players.delete(guildId);
    },
  );
  players.set(guildId, { session, player });
  return player;
}

/** The live player of this session, if any (a request for an older session finds none). */
function livePlayer(guildId: string, session: number): QueuePlayer | undefined {
  const entry = players.get(guildId);
  return entry && entry.session === session && !entry.player.isDestroyed ? entry.player : undefined;
}

async function handle(request: VoiceRequest): Promise<VoiceReply> {
  if (request.op === 'connect') {
    const player = playerFor(request.guildId, request.session);
    await player.connect({ guildId: request.guildId, channelId: request.channelId, adapterCreator: adapterCreator(request.guildId) });
    return { value: true, snapshot: player.snapshot() };
  }
  const player = livePlayer(request.guildId, request.session);
  if (!player) return { value: request.op === 'enqueue' ? -1 : null, snapshot: EMPTY };
  const value: ReplyValue = (() => {
    switch (request.op) {
      case 'enqueue':
        return player.enqueue(request.item);
      case 'skip':
        return player.skip() ?? null;
      case 'stop':
        return player.stop();
      case 'pause':
        return player.pause();
      case 'resume':
        return player.resume();
    }
  })();
  return { value, snapshot: player.snapshot() };
}

function onEvent(message: ToVoiceThread): void {
  switch (message.type) {
    case 'alone':
      livePlayer(message.guildId, message.session)?.setAlone(message.alone);
      break;
    case 'leave':
      livePlayer(message.guildId, message.session)?.destroy(message.reason);
      break;
    case 'adapter-event': {
      const methods = adapters.get(message.guildId);
      if (message.event === 'server') methods?.onVoiceServerUpdate(message.data as Parameters<DiscordGatewayAdapterLibraryMethods['onVoiceServerUpdate']>[0]);
      else methods?.onVoiceStateUpdate(message.data as Parameters<DiscordGatewayAdapterLibraryMethods['onVoiceStateUpdate']>[0]);
      break;
    }
    case 'adapter-destroyed':
      adapters.get(message.guildId)?.destroy();
      adapters.delete(message.guildId);
      break;
  }
}

// Requests are calls (a VoiceQueueFullError comes back as itself); everything else is an event.
const link = serveCalls<VoiceRequest, VoiceReply, never, FromVoiceThread, ToVoiceThread>({ call: handle, event: onEvent });
function post(message: FromVoiceThread): void {
  link.emit(message);
}

let nice: number | null = null;
let niceError: string | undefined;
if (settings.threadNice !== undefined) {
  try {
    setPriority(settings.threadNice);
    nice = getPriority();
  } catch (error) {
    niceError = errorMessage(error);
  }
}
let realtime: number | null = null;
let realtimeError: string | undefined;
if (settings.threadRealtimePriority) {
  try {
    // /proc/thread-self is this thread (Linux): chrt switches it alone, not the bot's other threads.
    const tid = readlinkSync('/proc/thread-self').split('/').pop()!;
    const result = spawnSync('chrt', ['--rr', '--pid', String(settings.threadRealtimePriority), tid], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 5_000 });
    if (result.status === 0) realtime = settings.threadRealtimePriority;
    else realtimeError = result.error ? errorMessage(result.error) : String(result.stderr).trim() || `chrt exited with ${result.status}`;
  } catch (error) {
    realtimeError = errorMessage(error);
  }
}
post({ type: 'ready', nice, ...(niceError ? { niceError } : {}), realtime, ...(realtimeError ? { realtimeError } : {}) });

if (settings.healthIntervalMs) {
  // Its heap is not in the main thread's process.memoryUsage() figures; its delays are the packet clock's.
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const MB = 1024 * 1024;
  setInterval(() => {
    const memory = process.memoryUsage();
    const round1 = (value: number) => Math.round(value * 10) / 10;
    post({
      type: 'health',
      health: { heap_used_mb: round1(memory.heapUsed / MB), heap_total_mb: round1(memory.heapTotal / MB), loop_max_ms: round1(delay.max / 1e6) },
    });
    delay.reset();
  }, settings.healthIntervalMs).unref();
}
