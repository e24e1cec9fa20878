/** The playground's form → the compose use case's input, refused with the form's field names. */
import { describe, expect, it } from 'vitest';
import { composeInputSchema } from '../../src/app/compose.js';
import { METER_NAMES } from '../../src/compose/options.js';
import { FORM_HELP } from '../../src/music/form.js';
import { composeInputFromForm, FormError, formFieldName, PLAYGROUND_LIMITS } from '../../src/web/compose-form.js';

async function problem(body: unknown) {
  try {
    await composeInputFromForm(body);
  } catch (error) {
    if (error instanceof FormError) return error.problem;
    throw error;
  }
  throw new Error('the form was accepted');
}

describe('the playground form', () => {
  it("offers ranges inside the compose schema's", () => {
    for (const [form, field] of [
      ['tempo', 'tempo'],
      ['length', 'bars'],
      ['temperature', 'temperature'],
      ['tracks', 'tracks'],
    ] as const) {
      const { minValue, maxValue } = composeInputSchema.shape[field].unwrap();
      expect(PLAYGROUND_LIMITS[form].min).toBeGreaterThanOrEqual(minValue!);
      expect(PLAYGROUND_LIMITS[form].max).toBeLessThanOrEqual(maxValue!);
    }
  });

  it('becomes the use case input: length in bars, instruments split, style lower-cased', async () => {
    expect(
      await composeInputFromForm({ seed: ' C4q E4q G4h ', style: 'Classical', instruments: 'piano, violin,', length: 4, tempo: 90, key: 'D minor' }),
    ).toEqual({
      seed: 'C4q E4q G4h',
      style: 'classical',
      instruments: ['piano', 'violin'],
      bars: 4,
      tempo: 90,
      key: 'D minor',
    });
    expect(await composeInputFromForm({})).toEqual({});
    expect(await composeInputFromForm({ meter: '3/4', form: 'AABA', length: 8 })).toEqual({ meter: '3/4', form: 'AABA', bars: 8 });
  });

  it('marks a seed mistake at its character and names fields as the form does', async () => {
    expect(await problem({ seed: 'C4q E4x' })).toMatchObject({ field: 'seed', position: 6, message: expect.stringContaining('character 7') });
    expect(await problem({ seed: 'C4w | D4w | E4w', length: 2 })).toMatchObject({ field: 'length', message: expect.stringContaining('length') });
    expect(await problem({ length: 33 })).toMatchObject({ field: 'length' });
    expect(await problem({ instruments: 'piano, violin, cello, flute, oboe' })).toMatchObject({ field: 'instruments' });
    expect(await problem({ instruments: 'kazoo-of-doom' })).toMatchObject({ field: 'instruments' });
    expect(await problem({ key: 'H major' })).toMatchObject({ field: 'key' });
    expect(await problem({ samplingSeed: 3 })).not.toHaveProperty('field');
    expect(await problem({ meter: '7/5' })).toMatchObject({ field: 'meter', message: expect.stringContaining(METER_NAMES.join(', ')) });
    expect(await problem({ form: 'BAB' })).toMatchObject({ field: 'form', message: expect.stringContaining(FORM_HELP) });
    expect(formFieldName('seedBars')).toBe('length');
  });
});
