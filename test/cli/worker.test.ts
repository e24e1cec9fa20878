/** `rhythmix worker` refuses to start without what it needs, saying what to set (the cluster itself: test/cluster, test/e2e/scale.e2e.ts). */
import { describe, expect, it } from 'vitest';
import { assertCliBuilt, runCli } from './run-cli.js';

describe('rhythmix worker', () => {
  it('needs REDIS_URL', () => {
    assertCliBuilt();
    const { status, stderr } = runCli(['worker']);
    expect(status).toBe(2);
    expect(stderr).toContain('rhythmix worker needs REDIS_URL (e.g. redis://127.0.0.1:6379)');
  });

  it('refuses a --concurrency that is not a whole number from 1 to 64', () => {
    const { status, stderr } = runCli(['worker', '--concurrency', '0']);
    expect(status).toBe(2);
    expect(stderr).toContain('--concurrency must be a whole number from 1 to 64, got "0"');
  });
});
