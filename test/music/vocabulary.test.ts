import { describe, expect, it } from 'vitest';
import {
  DEFAULT_VOCABULARY as V,
  TOKEN_LANGUAGE_VERSION,
  Vocabulary,
  VocabularyMismatchError,
  binVelocity,
  quantizeVelocity,
  tokenMeter,
  velocityBin,
} from '../../src/music/vocabulary.js';

describe('Vocabulary', () => {
  it('is modest and maps names and ids both ways', () => {
    expect(V.size).toBe(427);
    for (let id = 0; id < V.size; id++) expect(V.id(V.name(id))).toBe(id);
    expect(V.name(V.startId)).toBe('<start>');
    expect(V.name(V.pitchId(60))).toBe('pitch:60');
    expect(V.name(V.durationId(32))).toBe('dur:32');
    expect(V.name(V.positionId(47))).toBe('pos:47');
    expect(V.name(V.trackId(15))).toBe('track:15');
    expect(V.name(V.styleId('folk'))).toBe('style:folk');
    expect(V.kind(V.barId)).toBe('bar');
    expect(V.kind(V.size)).toBeUndefined();
    expect(V.meterId({ numerator: 6, denominator: 8 })).toBe(V.id('meter:6/8'));
    expect(() => V.id('pitch:128')).toThrow(/unknown token "pitch:128"/);
    expect(() => V.name(-1)).toThrow(/outside the vocabulary/);
  });

  it('saves and restores itself, detecting another version or a changed token list', () => {
    const json = JSON.parse(JSON.stringify(V.toJSON())) as ReturnType<Vocabulary['toJSON']>;
    expect(json.version).toBe(TOKEN_LANGUAGE_VERSION);
    expect(Vocabulary.fromJSON(json).equals(V)).toBe(true);
    expect(() => Vocabulary.fromJSON({ ...json, version: 'rhythmix-tokens/0' })).toThrow(VocabularyMismatchError);
    expect(() => Vocabulary.fromJSON({ ...json, version: 'rhythmix-tokens/0' })).toThrow(/"rhythmix-tokens\/0" differs from .* "rhythmix-tokens\/2"/);
    expect(() => Vocabulary.fromJSON({ ...json, tokens: json.tokens.slice(1) })).toThrow(/does not match its spec/);
    expect(() => Vocabulary.fromJSON({ hello: 1 })).toThrow(/not a Rhythmix vocabulary/);
    expect(() => Vocabulary.fromJSON(null)).toThrow(VocabularyMismatchError);
    expect(() => Vocabulary.fromJSON({ ...json, spec: { ...json.spec, maxTracks: -1 } })).toThrow(/spec cannot be rebuilt/);
  });

  it('extends language 1 with key tokens at the end, so language-1 models keep their ids', () => {
    const { keys: _keys, ...specWithoutKeys } = V.spec;
    const v1 = new Vocabulary(specWithoutKeys);
    expect(v1.version).toBe('rhythmix-tokens/1');
    expect(v1.size).toBe(403);
    expect(v1.hasKeys).toBe(false);
    for (let id = 0; id < v1.size; id++) expect(V.name(id)).toBe(v1.name(id));
    expect(Vocabulary.fromJSON(JSON.parse(JSON.stringify(v1.toJSON()))).equals(v1)).toBe(true);
    // A version that does not match the spec is refused.
    expect(() => Vocabulary.fromJSON({ ...v1.toJSON(), version: TOKEN_LANGUAGE_VERSION })).toThrow(/does not match its spec/);
    expect(V.describe([V.first('key'), V.first('key') + 12 + 9])).toEqual(['key:C', 'key:Am']);
    expect(V.keySignature(V.keyId({ tonicPitchClass: 6, mode: 'minor' }))).toEqual({ tonicPitchClass: 6, mode: 'minor' });
    expect(() => V.keySignature(V.barId)).toThrow(/not a key token/);
  });

  it('builds other specs (e.g. more styles) whose ids differ', () => {
    const wider = new Vocabulary({ ...V.spec, styles: [...V.spec.styles, 'jazz'] });
    expect(wider.size).toBe(V.size + 1);
    expect(wider.equals(V)).toBe(false);
    expect(Vocabulary.fromJSON(wider.toJSON()).equals(wider)).toBe(true);
    expect(() => new Vocabulary({ ...V.spec, maxTracks: 0 })).toThrow(/invalid vocabulary spec/);
  });
});

describe('velocity bins', () => {
  it('round each velocity to the nearest bin value and keep bin values fixed', () => {
    expect([binVelocity(0), binVelocity(9), binVelocity(15)]).toEqual([8, 80, 127]);
    for (let bin = 0; bin < 16; bin++) expect(velocityBin(binVelocity(bin))).toBe(bin);
    for (let v = 1; v <= 127; v++) {
      const q = quantizeVelocity(v);
      for (let bin = 0; bin < 16; bin++) expect(Math.abs(q - v)).toBeLessThanOrEqual(Math.abs(binVelocity(bin) - v));
    }
    expect(quantizeVelocity(100)).toBe(104);
  });
});

describe('tokenMeter', () => {
  it('keeps supported meters and maps others by bar length', () => {
    expect(tokenMeter({ numerator: 6, denominator: 8 }, 4)).toEqual({ numerator: 6, denominator: 8 });
    expect(tokenMeter({ numerator: 8, denominator: 8 }, 4)).toEqual({ numerator: 4, denominator: 4 });
    expect(tokenMeter({ numerator: 17, denominator: 16 }, 4)).toEqual({ numerator: 4, denominator: 4 });
    // 7/16 is 1.75 beats: no whole number of steps on an 8th grid.
    expect(tokenMeter({ numerator: 7, denominator: 16 }, 2)).toEqual({ numerator: 4, denominator: 4 });
    expect(tokenMeter({ numerator: 12, denominator: 4 }, 12)).toEqual({ numerator: 4, denominator: 4 });
  });
});
