import { describe, expect, it } from 'vitest';
import type { QueueItem } from '../../src/bot/voice/guild-player.js';
import { QUEUE_LIST_LIMIT, describeEnqueued, describeQueue, formatDuration, safeTitle } from '../../src/bot/voice/queue-view.js';

const item = (n: number, seconds = 30): QueueItem => ({ pieceId: `p${n}`, title: `Piece ${n}`, audioPath: `/x/${n}.ogg`, requestedBy: `u${n}`, seconds });

describe('queue view', () => {
  it('formats durations', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(-3)).toBe('0:00');
  });

  it('keeps user titles from pinging or breaking markdown', () => {
    expect(safeTitle('@everyone **bold**')).toBe('@\u200beveryone \\*\\*bold\\*\\*');
    expect(safeTitle('   ')).toBe('untitled');
    expect(safeTitle('x'.repeat(200))).toHaveLength(80);
  });

  it('says when nothing is playing', () => {
    const text = describeQueue({ channelId: undefined, current: undefined, elapsedSeconds: 0, paused: false, upcoming: [] });
    expect(text).toMatch(/^Nothing is playing and the queue is empty/);
    expect(describeQueue({ channelId: 'c1', current: undefined, elapsedSeconds: 0, paused: false, upcoming: [] })).toContain('in <#c1>');
  });

  it('lists the current piece with its progress and what comes next, capped', () => {
    const upcoming = Array.from({ length: QUEUE_LIST_LIMIT + 2 }, (_, i) => item(i + 2, 60));
    const text = describeQueue({ channelId: 'c1', current: item(1, 90), elapsedSeconds: 31.4, paused: true, upcoming });
    const lines = text.split('\n');
    expect(lines[0]).toBe('⏸️ Paused in <#c1>: **Piece 1** (1:30, piece `p1`, asked by <@u1>) — 0:31 / 1:30');
    expect(lines[1]).toBe(`Up next (${QUEUE_LIST_LIMIT + 2}, 12:00):`);
    expect(lines[2]).toMatch(/^1\. \*\*Piece 2\*\*/);
    expect(lines).toHaveLength(2 + QUEUE_LIST_LIMIT + 1);
    expect(lines.at(-1)).toBe('… and 2 more');
  });

  it('describes where a new piece landed', () => {
    expect(describeEnqueued(item(1, 65), 0, 'c1')).toBe('▶️ Now playing **Piece 1** (1:05) in <#c1>.');
    expect(describeEnqueued(item(2), 3, 'c1')).toBe('🎶 Queued **Piece 2** in <#c1> — position 3 in the queue.');
  });
});
