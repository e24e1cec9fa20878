import { describe, expect, it } from 'vitest';
import { MAX_SAMPLING_SEED, parseComposeOptions, randomSamplingSeed } from '../../src/compose/options.js';
import { InvalidInputError } from '../../src/util/errors.js';

describe('compose options', () => {
  it('fills defaults', () => {
    expect(parseComposeOptions({})).toEqual({ seedBars: 4, style: 'folk', outDir: 'out', takes: 1 });
  });

  it('rejects contradictory options', () => {
    expect(() => parseComposeOptions({ seed: 'C4q', midi: 'x.mid' })).toThrow('use either seed or midi, not both');
    expect(() => parseComposeOptions({ instruments: ['piano'], tracks: 2 })).toThrow('use either instruments or tracks, not both');
    expect(() => parseComposeOptions({ bars: 8, seconds: 30 })).toThrow('use either bars or seconds, not both');
  });

  it('names the field and the value that is out of range', () => {
    expect(() => parseComposeOptions({ tempo: 1000 })).toThrow(InvalidInputError);
    expect(() => parseComposeOptions({ tempo: 1000 })).toThrow(/^tempo: .*1000/);
    expect(() => parseComposeOptions({ topK: -1 })).toThrow(/^topK: /);
    expect(parseComposeOptions({ topK: 0, temperature: 0 })).toMatchObject({ topK: 0, temperature: 0 });
    expect(() => parseComposeOptions({ style: 'jazz' })).toThrow(/^style: .*jazz/);
    expect(() => parseComposeOptions({ bars: 2.5 })).toThrow(/^bars: /);
    expect(() => parseComposeOptions({ temperature: -0.5 })).toThrow(/^temperature: .*-0.5/);
    expect(() => parseComposeOptions({ colour: 'red' })).toThrow('colour: not an option here');
  });

  it('takes samplingSeed as a whole number from 0 to 2^31-1 and says so otherwise', () => {
    expect(parseComposeOptions({ samplingSeed: 0 }).samplingSeed).toBe(0);
    expect(parseComposeOptions({ samplingSeed: MAX_SAMPLING_SEED }).samplingSeed).toBe(2 ** 31 - 1);
    expect(parseComposeOptions({}).samplingSeed).toBeUndefined();
    for (const bad of [1.5, -1, 2 ** 31, '7']) {
      expect(() => parseComposeOptions({ samplingSeed: bad })).toThrow(InvalidInputError);
      expect(() => parseComposeOptions({ samplingSeed: bad })).toThrow(
        `samplingSeed: must be a whole number from 0 to 2147483647 (got ${JSON.stringify(bad)})`,
      );
    }
  });

  it('draws random sampling seeds inside that range', () => {
    const drawn = Array.from({ length: 50 }, () => randomSamplingSeed());
    for (const s of drawn) expect(parseComposeOptions({ samplingSeed: s }).samplingSeed).toBe(s);
    expect(new Set(drawn).size).toBeGreaterThan(45);
  });
});
