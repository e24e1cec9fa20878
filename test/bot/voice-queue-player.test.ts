import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AudioPlayerStatus } from '@discordjs/voice';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { VoiceQueueFullError, type LeaveReason, type QueueItem } from '../../src/workers/voice/protocol.js';
import { QueuePlayer, type QueuePlayerOptions } from '../../src/workers/voice/queue-player.js';
import { renderChordOgg } from '../sim/index.js';

/**
 * The queue rules of one guild's player, without a voice connection: the audio player runs
 * (auto-paused, as nobody is subscribed) so pieces start, get skipped, stopped and paused for real.
 */
describe('QueuePlayer (one guild on the voice thread)', () => {
  let dir: string;
  let audioPath: string;
  let players: QueuePlayer[] = [];
  const destroyed: QueuePlayer[] = [];
  const errors: Error[] = [];
  const leaves: LeaveReason[] = [];

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rhythmix-voice-'));
    audioPath = path.join(dir, 'chord.ogg');
    writeFileSync(audioPath, renderChordOgg(1));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    for (const player of players) player.destroy('shutdown');
    players = [];
    destroyed.length = 0;
    errors.length = 0;
    leaves.length = 0;
  });

  const item = (n: number, file = audioPath): QueueItem => ({ pieceId: `p${n}`, title: `Piece ${n}`, audioPath: file, requestedBy: 'u1', seconds: 1 });
  const make = (options: Partial<QueuePlayerOptions> = {}) => {
    const player = new QueuePlayer(
      'g1',
      {
        idleTimeoutMs: 60_000,
        connectTimeoutMs: 1_000,
        maxQueueLength: 3,
        onError: (error) => errors.push(error),
        onLeave: (_guild, reason) => leaves.push(reason),
        ...options,
      },
      (gone) => destroyed.push(gone),
    );
    players.push(player);
    return player;
  };
  const started = (player: ReturnType<typeof make>) => vi.waitFor(() => expect(player.audioStatus).not.toBe(AudioPlayerStatus.Idle), { timeout: 5_000 });

  it('plays the first piece at once and queues the rest in order, up to the limit', async () => {
    const player = make();
    expect(player.enqueue(item(1))).toBe(0);
    expect(player.enqueue(item(2))).toBe(1);
    expect(player.enqueue(item(3))).toBe(2);
    expect(player.nowPlaying?.pieceId).toBe('p1');
    expect(player.upcoming.map((i) => i.pieceId)).toEqual(['p2', 'p3']);
    expect(player.busy).toBe(true);
    player.enqueue(item(4));
    expect(() => player.enqueue(item(5))).toThrow(VoiceQueueFullError);
    await started(player);
  });

  it('skip moves to the next piece, also while the current one is still loading', async () => {
    const player = make();
    player.enqueue(item(1));
    player.enqueue(item(2));
    player.enqueue(item(3));
    // p1 has not been read yet: skipping discards its load.
    expect(player.skip()?.pieceId).toBe('p1');
    expect(player.nowPlaying?.pieceId).toBe('p2');
    await started(player);
    expect(player.skip()?.pieceId).toBe('p2');
    expect(player.nowPlaying?.pieceId).toBe('p3');
    await started(player);
    expect(player.skip()?.pieceId).toBe('p3');
    expect(player.nowPlaying).toBeUndefined();
    expect(player.busy).toBe(false);
    expect(errors).toEqual([]);
  });

  it('stop empties the queue and the player leaves after the idle timeout', async () => {
    const player = make({ idleTimeoutMs: 150 });
    player.enqueue(item(1));
    player.enqueue(item(2));
    await started(player);
    expect(player.stop()).toBe(2);
    expect(player.nowPlaying).toBeUndefined();
    expect(player.upcoming).toHaveLength(0);
    expect(player.isDestroyed).toBe(false);
    await vi.waitFor(() => expect(leaves).toEqual(['idle']), { timeout: 2_000 });
    expect(player.isDestroyed).toBe(true);
    expect(destroyed).toEqual([player]);
  });

  it('a new piece cancels the idle timer', async () => {
    const player = make({ idleTimeoutMs: 200 });
    player.enqueue(item(1));
    player.skip(); // queue empty → idle timer runs
    await new Promise((resolve) => setTimeout(resolve, 100));
    player.enqueue(item(2));
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(leaves).toEqual([]);
    expect(player.nowPlaying?.pieceId).toBe('p2');
  });

  it('pause and resume track the member pause; a long pause counts as idle', async () => {
    const player = make({ idleTimeoutMs: 200 });
    expect(player.pause()).toBe(false); // nothing to pause
    player.enqueue(item(1));
    await started(player);
    expect(player.pause()).toBe(true);
    expect(player.paused).toBe(true);
    expect(player.audioStatus).not.toBe(AudioPlayerStatus.Playing);
    expect(player.pause()).toBe(false);
    expect(player.resume()).toBe(true);
    expect(player.paused).toBe(false);
    expect(player.resume()).toBe(false);
    player.pause();
    await vi.waitFor(() => expect(leaves).toEqual(['idle']), { timeout: 2_000 });
  });

  it('an unreadable file is reported and skipped', async () => {
    const player = make();
    player.enqueue(item(1, path.join(dir, 'missing.ogg')));
    player.enqueue(item(2));
    await vi.waitFor(() => expect(player.nowPlaying?.pieceId).toBe('p2'), { timeout: 2_000 });
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('cannot read')]);
  });

  it('leaves when alone for the grace period, unless someone comes back', async () => {
    const player = make({ aloneTimeoutMs: 150 });
    player.enqueue(item(1));
    player.setAlone(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    player.setAlone(false);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(leaves).toEqual([]);
    player.setAlone(true);
    await vi.waitFor(() => expect(leaves).toEqual(['alone']), { timeout: 2_000 });
    expect(() => player.enqueue(item(2))).toThrow(/has left/);
  });

  it('leaving is idempotent and the snapshot says so', () => {
    const changes: boolean[] = [];
    const player = make({ onChange: (changed) => changes.push(changed.snapshot().destroyed) });
    player.enqueue(item(1));
    expect(player.snapshot()).toMatchObject({ current: { pieceId: 'p1' }, upcoming: [], paused: false, destroyed: false });
    player.destroy();
    player.destroy('idle');
    expect(leaves).toEqual(['command']);
    expect(destroyed).toEqual([player]);
    expect(changes.at(-1)).toBe(true);
    expect(player.snapshot()).toMatchObject({ current: undefined, upcoming: [], destroyed: true });
  });
});
