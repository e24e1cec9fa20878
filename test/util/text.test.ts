import { describe, expect, it } from 'vitest';
import { QUOTE_MAX_CHARS, displayName, quoteInput } from '../../src/util/text.js';

describe('quoteInput', () => {
  it('quotes short input whole, escaped as JSON', () => {
    expect(quoteInput('lots')).toBe('"lots"');
    expect(quoteInput('a "b"\nc\u001b')).toBe('"a \\"b\\"\\nc\\u001b"');
    expect(quoteInput('x'.repeat(QUOTE_MAX_CHARS))).toBe(`"${'x'.repeat(QUOTE_MAX_CHARS)}"`);
  });

  it('quotes at most QUOTE_MAX_CHARS characters of long input, saying how long it was', () => {
    const seed = 'C4q '.repeat(1500);
    expect(quoteInput(seed)).toBe(`"${seed.slice(0, QUOTE_MAX_CHARS)}…" (6000 characters)`);
    expect(quoteInput('abcdef', 3)).toBe('"abc…" (6 characters)');
  });

  it('never splits a character made of two UTF-16 units', () => {
    expect(quoteInput('🎵'.repeat(100), 3)).toBe('"🎵🎵🎵…" (200 characters)');
  });
});

describe('displayName', () => {
  it('replaces control characters and cuts to the given length, "…" included', () => {
    expect(displayName('lead\u001b[31m\u0085', 64)).toBe('lead\ufffd[31m\ufffd');
    expect(displayName('x'.repeat(100), 8)).toBe('xxxxxxx…');
    expect(displayName('short', 8)).toBe('short');
    expect([...displayName('é'.repeat(1000), 64)]).toHaveLength(64);
  });
});
