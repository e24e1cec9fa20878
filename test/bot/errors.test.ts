import { describe, expect, it } from 'vitest';
import { userMessage } from '../../src/bot/errors.js';
import { QueueFullError, WorkerFailedError, WorkerTimeoutError } from '../../src/jobs/errors.js';
import { deserializeError, serializeError } from '../../src/jobs/envelope.js';
import { InvalidInputError, RhythmixError } from '../../src/util/errors.js';

describe('userMessage', () => {
  it('shows user errors in Discord wording, without server paths', () => {
    expect(userMessage(new InvalidInputError('{midi} /srv/rhythmix/data/pieces/.work-abc/seed.mid contains no notes', { field: 'midi' }))).toBe(
      '❌ `midi` seed.mid contains no notes',
    );
  });

  it('names the field by its slash option after the error crossed from the compose child', () => {
    const child = new InvalidInputError('{samplingSeed}: must be a whole number from 0 to 2147483647 (got -1)', { field: 'samplingSeed', received: -1 });
    const rebuilt = deserializeError(JSON.parse(JSON.stringify(serializeError(child))) as ReturnType<typeof serializeError>);
    expect(userMessage(rebuilt)).toBe('❌ `sample_seed`: must be a whole number from 0 to 2147483647 (got -1)');
  });

  it('says when to retry a full queue', () => {
    expect(userMessage(new QueueFullError('user', 'you already have 1 job queued or running', 12_300))).toBe(
      '🚦 Queue full: you already have 1 job queued or running — try again in 13 s.',
    );
  });

  it('never shows internals', () => {
    const internal = new TypeError("Cannot read properties of undefined (reading 'x')");
    expect(userMessage(internal)).toMatch(/Something went wrong on my side/);
    expect(userMessage(new WorkerFailedError('TypeError', 'boom', 'TypeError: boom\n    at x (/src/a.ts:1:1)'))).not.toMatch(/boom|at x/);
    expect(userMessage(new WorkerTimeoutError('compose', 300_000))).toMatch(/too long/);
    expect(userMessage(new RhythmixError('the model m produced no notes', { exitCode: 1 }))).toBe('⚠️ the model m produced no notes');
  });
});
