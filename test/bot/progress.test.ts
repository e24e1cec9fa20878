import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ComposeProgressView, ProgressThrottle, progressText, statusFromProgress, statusFromUpdate } from '../../src/bot/compose/progress.js';

describe('progress text', () => {
  it('follows queued n/m → composing x % → rendering → done', () => {
    expect(progressText(statusFromUpdate({ state: 'queued', position: 2, queued: 3 })!)).toMatch(/Queued 2\/3/);
    expect(progressText(statusFromUpdate({ state: 'running' })!)).toMatch(/Composing 0 %/);
    expect(progressText(statusFromProgress({ stage: 'compose', fraction: 0.456 }))).toMatch(/Composing 46 %/);
    expect(progressText(statusFromProgress({ stage: 'synthesis', fraction: 0.5 }))).toMatch(/Rendering/);
    expect(progressText(statusFromProgress({ stage: 'done', fraction: 1 }))).toMatch(/Done/);
    expect(statusFromUpdate({ state: 'done' })).toBeUndefined();
  });
});

describe('progress of two takes', () => {
  it('shows the queue line while queued, then a line per take: A composing while B waits, A done while B renders', () => {
    const view = new ComposeProgressView(2);
    expect(view.text({ state: 'queued', position: 1, queued: 2 })).toMatch(/^⏳ Queued 1\/2/);
    expect(view.text({ state: 'running' })).toBe('Take A: 🎼 composing 0 %\nTake B: ⏳ waiting');
    expect(view.text({ state: 'progress', progress: { stage: 'compose', fraction: 0.5, take: 0 } })).toBe('Take A: 🎼 composing 50 %\nTake B: ⏳ waiting');
    expect(view.text({ state: 'progress', progress: { stage: 'synthesis', fraction: 0.2, take: 1 } })).toBe('Take A: ✅ done\nTake B: 🎧 rendering');
    expect(view.text({ state: 'done' })).toBeUndefined();
  });

  it('shows one piece as before', () => {
    const view = new ComposeProgressView(1);
    expect(view.text({ state: 'progress', progress: { stage: 'compose', fraction: 0.5 } })).toBe(progressText({ stage: 'composing', fraction: 0.5 }));
  });
});

describe('ProgressThrottle', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends the first text at once, then at most one per interval, always the newest', async () => {
    const sent: string[] = [];
    const throttle = new ProgressThrottle(async (text) => void sent.push(text), { minIntervalMs: 1000, now: () => Date.now() });
    throttle.update('a');
    await vi.advanceTimersByTimeAsync(0);
    throttle.update('b');
    throttle.update('c');
    await vi.advanceTimersByTimeAsync(500);
    expect(sent).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(600);
    expect(sent).toEqual(['a', 'c']);
    throttle.update('c');
    await vi.advanceTimersByTimeAsync(2000);
    expect(sent).toEqual(['a', 'c']);
  });

  it('drops pending text on close and survives a failing send', async () => {
    const sent: string[] = [];
    const throttle = new ProgressThrottle(
      async (text) => {
        if (text === 'boom') throw new Error('rate limited');
        sent.push(text);
      },
      { minIntervalMs: 1000, now: () => Date.now() },
    );
    throttle.update('boom');
    await vi.advanceTimersByTimeAsync(1100);
    throttle.update('x');
    await vi.advanceTimersByTimeAsync(0);
    throttle.update('y');
    await throttle.close();
    await vi.advanceTimersByTimeAsync(5000);
    expect(sent).toEqual(['x']);
  });
});
