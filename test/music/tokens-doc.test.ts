import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeTokens, encodePiece } from '../../src/music/tokens.js';
import { canonicalPiece } from '../../src/music/tokens.js';
import { TOKEN_EXAMPLES, exampleBlock } from './token-examples.js';

const doc = readFileSync(new URL('../../docs/tokens.md', import.meta.url), 'utf8');

describe('docs/tokens.md', () => {
  it.each(TOKEN_EXAMPLES.map((e) => [e.title, e]))('shows the %s example exactly as the encoder writes it', (_title, example) => {
    const block = exampleBlock(example);
    if (!doc.includes(block)) console.log(`expected block for docs/tokens.md:\n${block}`);
    expect(doc).toContain(block);
    const ids = encodePiece(example.piece, { style: example.style });
    expect(decodeTokens(ids)).toEqual(canonicalPiece(example.piece));
  });
});
