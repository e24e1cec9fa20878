import { describe, expect, it } from 'vitest';
import { formPlan, isForm, parseForm } from '../../src/music/form.js';
import { tonicTriad } from '../../src/music/key.js';
import { InvalidInputError } from '../../src/util/errors.js';

describe('forms', () => {
  it('reads letters in any case and the named forms', () => {
    expect(parseForm('aaba')).toEqual({ name: 'AABA', letters: 'AABA' });
    expect(parseForm(' ABAB ')).toEqual({ name: 'ABAB', letters: 'ABAB' });
    expect(parseForm('Verse-Chorus')).toEqual({ name: 'verse-chorus', letters: 'ABAB' });
    expect(parseForm('rondo').letters).toBe('ABACA');
    expect(parseForm('ternary').letters).toBe('ABA');
  });

  it('refuses what is no form, naming the field and why', () => {
    for (const bad of ['A', 'BABA', 'ACAB', 'AB-A', 'AABBAABBA', 'sonata', '']) {
      expect(isForm(bad)).toBe(false);
      expect(() => parseForm(bad)).toThrow(InvalidInputError);
    }
    expect(() => parseForm('BABA')).toThrow(/^form: must introduce its letters in order/);
    const error = (() => {
      try {
        parseForm('sonata');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe('form');
    expect((error as InvalidInputError).message).toMatch(/^form: must be letters such as AABA/);
  });

  it('splits the bars into equal sections, rounding down, and marks each return', () => {
    const aaba = formPlan(parseForm('AABA'), 16);
    expect(aaba.bars).toBe(16);
    expect(aaba.sections).toEqual([
      { letter: 'A', startBar: 0, bars: 4 },
      { letter: 'A', startBar: 4, bars: 4, restates: 0 },
      { letter: 'B', startBar: 8, bars: 4 },
      { letter: 'A', startBar: 12, bars: 4, restates: 0 },
    ]);
    expect(formPlan(parseForm('ABA'), 16)).toMatchObject({ sectionBars: 5, bars: 15 });
    expect(formPlan(parseForm('AABB'), 10)).toMatchObject({ sectionBars: 2, bars: 8 });
    // Fewer bars than sections: one bar each.
    expect(formPlan(parseForm('ABACA'), 3)).toMatchObject({ sectionBars: 1, bars: 5 });
  });

  it('knows the tonic chord of major and minor keys', () => {
    expect(tonicTriad({ tonicPitchClass: 0, mode: 'major' })).toEqual([0, 4, 7]);
    expect(tonicTriad({ tonicPitchClass: 9, mode: 'minor' })).toEqual([9, 0, 4]);
  });
});
