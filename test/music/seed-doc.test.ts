import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSeed } from '../../src/music/seed.js';

const doc = readFileSync(new URL('../../docs/seed-notation.md', import.meta.url), 'utf8');

/** Lines of the first ```text block after a heading. */
function blockAfter(heading: string): string[] {
  const section = doc.slice(doc.indexOf(heading));
  const block = /```text\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block.split('\n').filter((line) => line.trim() !== '');
}

describe('docs/seed-notation.md', () => {
  it('shows examples that parse', () => {
    const examples = blockAfter('## Examples').map((line) => line.split(/\s{2,}/)[0] as string);
    expect(examples.length).toBeGreaterThanOrEqual(5);
    for (const seed of examples) expect(() => parseSeed(seed), seed).not.toThrow();
  });

  it('shows the errors the parser really gives', () => {
    const rows = blockAfter('## Errors').filter((line) => !line.startsWith('('));
    expect(rows.length).toBeGreaterThanOrEqual(6);
    for (const row of rows) {
      const [seed, message] = row.split(/\s{2,}/) as [string, string];
      expect(() => parseSeed(seed), seed).toThrow(message);
    }
  });
});
