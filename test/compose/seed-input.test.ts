import { describe, expect, it } from 'vitest';
import { loadSeed } from '../../src/compose/seed-input.js';

/** The core names the field (`seed`); the CLI words it `--seed`, the bot `seed` (test/app/use-cases.test.ts). */
describe('loadSeed error messages', () => {
  it('quote at most 80 characters of the seed (a 6,000-character seed once came back whole)', async () => {
    const seed = 'C4q '.repeat(1500);
    const error = (await loadSeed({ notation: seed, seedBars: 4 }).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ field: 'seed' });
    expect(error.message).toBe(`seed "${seed.slice(0, 80)}…" (6000 characters): at 1000: the seed is 6000 characters long, at most 1000 are allowed`);
  });

  it('quote a short seed whole', async () => {
    await expect(loadSeed({ notation: 'C4q Q9', seedBars: 4 })).rejects.toThrow('seed "C4q Q9": at 4: ');
    await expect(loadSeed({ notation: 'rq rh', seedBars: 4 })).rejects.toThrow('seed "rq rh" contains no notes');
  });
});
