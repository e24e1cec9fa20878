import { describe, expect, it } from 'vitest';
import { composeJobSize, type ComposeJobRequest } from '../../src/bot/compose/job-request.js';

const request = (input: ComposeJobRequest['input']): ComposeJobRequest => ({ kind: 'original', input, play: false });

describe('composeJobSize (the queue learns durations per bars × tracks)', () => {
  it('is bars × tracks, with the pipeline defaults where the request leaves them out', () => {
    expect(composeJobSize(request({ bars: 32, tracks: 4 }))).toBe(128);
    expect(composeJobSize(request({ bars: 8, instruments: ['piano', 'flute', 'cello'] }))).toBe(24);
    // 16 bars by default; folk has two tracks, classical one
    expect(composeJobSize(request({}))).toBe(32);
    expect(composeJobSize(request({ style: 'classical', bars: 8 }))).toBe(8);
  });

  it('so a long piece is expected to take longer than a short one', () => {
    expect(composeJobSize(request({ bars: 64, tracks: 4 }))).toBeGreaterThan(composeJobSize(request({ bars: 4, tracks: 1 })));
  });
});
