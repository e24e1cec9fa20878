/**
 * Key conditioning at compose time: the requested key, else the seed's, else one drawn from
 * the keys the model's training pieces of that style use (its card's `keys`), with the take's
 * sampling seed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LstmComposer } from '../../src/compose/lstm-composer.js';
import { parseComposeOptions } from '../../src/compose/options.js';
import { buildRequest } from '../../src/compose/pipeline.js';
import { loadSeed } from '../../src/compose/seed-input.js';
import { Generator } from '../../src/model/generator.js';
import { keyPitchClasses, keySignatureName, parseKey } from '../../src/music/key.js';
import { Vocabulary, DEFAULT_VOCABULARY } from '../../src/music/vocabulary.js';
import { saveTinyModel } from './tiny-model.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rhythmix-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function tinyModel(name: string, vocabulary: Vocabulary, keys?: Record<string, Record<string, number>>): Promise<LstmComposer> {
  const modelDir = path.join(dir, name);
  await saveTinyModel(modelDir, name, { vocabulary, seed: 3, card: keys ? { keys } : {} });
  return new LstmComposer(name, await Generator.load(modelDir));
}

let withKeys: LstmComposer;
let languageOne: LstmComposer;
beforeAll(async () => {
  withKeys = await tinyModel('keys', DEFAULT_VOCABULARY, { folk: { 'G major': 3, 'D major': 1 } });
  const { keys: _keys, ...spec } = DEFAULT_VOCABULARY.spec;
  languageOne = await tinyModel('v1', new Vocabulary(spec));
});

async function compose(composer: LstmComposer, options: Record<string, unknown>, samplingSeed: number) {
  const seedNotes = await loadSeed({ notation: options.seed as string | undefined, seedBars: 4 });
  const request = buildRequest(parseComposeOptions({ style: 'folk', bars: 2, ...options }), seedNotes);
  return composer.compose(seedNotes.piece, { ...request, samplingSeed }, () => {});
}

describe('the key a piece is conditioned on', () => {
  it("is drawn from the style's training keys, in proportion, the same for the same sampling seed", async () => {
    const keys: string[] = [];
    for (let s = 0; s < 40; s++) keys.push(keySignatureName((await compose(withKeys, {}, s)).key!));
    expect(new Set(keys)).toEqual(new Set(['G major', 'D major']));
    expect(keys.filter((k) => k === 'G major').length).toBeGreaterThan(keys.filter((k) => k === 'D major').length);
    expect((await compose(withKeys, {}, 7)).key).toEqual((await compose(withKeys, {}, 7)).key);
  });

  it('is the requested key, whose scale also bounds the notes', async () => {
    const piece = await compose(withKeys, { key: 'A minor' }, 1);
    expect(keySignatureName(piece.key!)).toBe('A minor');
    const allowed = new Set(keyPitchClasses(parseKey('A minor')));
    for (const note of piece.tracks.flatMap((t) => t.notes)) expect(allowed.has(note.pitch % 12)).toBe(true);
    expect(keySignatureName((await compose(withKeys, { key: 'E dorian' }, 1)).key!)).toBe('E minor');
  });

  it("is the seed's key when the seed has enough notes to tell it", async () => {
    const piece = await compose(withKeys, { seed: 'D4q F4q A4q D5q | C#5q D5q A4q F4q', bars: 3 }, 2);
    expect(keySignatureName(piece.key!)).toBe('D minor');
    // Two notes say little: the key is drawn as for a piece without a seed.
    expect(['G major', 'D major']).toContain(keySignatureName((await compose(withKeys, { seed: 'C4q F#4q', bars: 2 }, 2)).key!));
  });

  it('is absent for a model of token language 1', async () => {
    expect((await compose(languageOne, {}, 1)).key).toBeUndefined();
  });
});

describe('the soft key', () => {
  it("keeps a drawn key's notes mostly in its scale without forbidding the rest", async () => {
    let inKey = 0;
    let total = 0;
    for (let s = 0; s < 12; s++) {
      const piece = await compose(withKeys, { bars: 4 }, 100 + s);
      const scale = new Set(keyPitchClasses(parseKey(keySignatureName(piece.key!))));
      for (const note of piece.tracks.filter((t) => !t.isDrum).flatMap((t) => t.notes)) {
        total++;
        if (scale.has(note.pitch % 12)) inKey++;
      }
    }
    // The untrained model spreads its notes over all 12 pitch classes (about 9 of them in a major
    // scale with its raised degrees counted, far fewer than this); out-of-key notes still occur.
    expect(total).toBeGreaterThan(100);
    expect(inKey / total).toBeGreaterThan(0.85);
    expect(inKey).toBeLessThan(total);
  });
});
