import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProgressThrottle, progressText, statusFromProgress, statusFromUpdate } from '../../src/bot/compose/progress.js';

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
