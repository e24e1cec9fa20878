import { describe, expect, it } from 'vitest';
import { checkComposeInput, checkMidiAttachment, checkMidiBytes, composeInputFromSlash } from '../../src/bot/compose/request.js';
import { discordFieldName, slashOptionName } from '../../src/bot/field-names.js';
import { data as composeCommand } from '../../src/bot/commands/compose.js';
import { MAX_SAMPLING_SEED } from '../../src/compose/options.js';
import { InvalidInputError } from '../../src/util/errors.js';

describe('composeInputFromSlash', () => {
  it('maps the slash options onto the pipeline options', () => {
    expect(
      composeInputFromSlash({
        seed: ' C4q E4q ',
        style: 'Folk',
        instruments: 'piano, strings,,bass',
        tempo: 90,
        length: 8,
        temperature: 0.8,
        key: ' D minor ',
        sampleSeed: 0,
      }),
    ).toEqual({
      seed: 'C4q E4q',
      style: 'folk',
      instruments: ['piano', 'strings', 'bass'],
      tempo: 90,
      bars: 8,
      temperature: 0.8,
      key: 'D minor',
      samplingSeed: 0,
    });
  });

  it('passes meter and form on, and offers meters the compose schema takes', async () => {
    expect(composeInputFromSlash({ meter: '6/8', form: ' aaba ' })).toEqual({ meter: '6/8', form: 'aaba' });
    const meter = composeCommand.toJSON().options?.find((o) => o.name === 'meter') as { choices: Array<{ value: string }> };
    for (const choice of meter.choices) await expect(checkComposeInput({ meter: choice.value }, false)).resolves.toBeUndefined();
    await expect(checkComposeInput({ form: 'ZZ' }, false)).rejects.toThrow(/^`form` "ZZ" is not a form/);
  });

  it('offers sample_seed with the same limits as --sample-seed', () => {
    const option = composeCommand.toJSON().options?.find((o) => o.name === 'sample_seed');
    expect(option).toMatchObject({ type: 4, min_value: 0, max_value: MAX_SAMPLING_SEED }); // 4 = integer
  });

  it('offers takes 1–2, the schema’s range, and words refusals by the slash names', async () => {
    const option = composeCommand.toJSON().options?.find((o) => o.name === 'takes');
    expect(option).toMatchObject({ type: 4, min_value: 1, max_value: 2 });
    expect(composeInputFromSlash({ takes: 2 })).toEqual({ takes: 2 });
    await expect(checkComposeInput({ seed: 'C4q E4q G4h', bars: 2, takes: 2 }, false)).resolves.toBeUndefined();
    await expect(checkComposeInput({ takes: 2, temperature: 0 }, false)).rejects.toThrow('two `takes` at `temperature` 0 would be the same piece');
  });

  it('leaves out what was not given (null from discord.js)', () => {
    expect(
      composeInputFromSlash({ seed: null, style: null, instruments: null, tracks: 3, tempo: null, length: null, temperature: null, key: '', sampleSeed: null }),
    ).toEqual({ tracks: 3 });
  });
});

describe('checkComposeInput', () => {
  it('accepts a good request', async () => {
    await expect(checkComposeInput({ seed: 'C4q E4q G4h', bars: 2 }, false)).resolves.toBeUndefined();
  });

  it('points at a seed mistake with its position and a caret', async () => {
    const error = await checkComposeInput({ seed: 'C4q X4q' }, false).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toContain('character 5');
    expect((error as Error).message).toContain('C4q X4q\n    ^');
  });

  it('shows a long seed by the stretch around its mistake, not whole', async () => {
    const error = await checkComposeInput({ seed: `${'C4q '.repeat(110)}X4q ${'E4q '.repeat(110)}` }, false).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    const message = (error as Error).message;
    expect(message).toContain('character 441');
    expect(message).toMatch(/\n….{80}…\n {41}\^\n/);
    expect(message.length).toBeLessThan(500);
  });

  it('quotes at most 80 characters of an attachment name', () => {
    const name = `${'n'.repeat(300)}.txt`;
    expect(() => checkMidiAttachment({ name, size: 10 })).toThrow(/^`midi` must be a MIDI file \(\.mid or \.midi\); "n{80}…" \(304 characters\) is not one$/);
  });

  it('names Discord options, not CLI flags', async () => {
    await expect(checkComposeInput({ seed: 'C4w | D4w | E4w', bars: 2 }, false)).rejects.toThrow(/`length`/);
    await expect(checkComposeInput({ seed: 'C4q', instruments: ['piano'], tracks: 2 }, false)).rejects.toThrow(/use either `instruments` or `tracks`/);
    await expect(checkComposeInput({ seed: 'C4q' }, true)).rejects.toThrow(/`seed` or `midi`/);
    await expect(checkComposeInput({ instruments: ['kazoo-deluxe'] }, false)).rejects.toThrow(/unknown instrument "kazoo-deluxe"/);
    await expect(checkComposeInput({ samplingSeed: -1 }, false)).rejects.toThrow('`sample_seed`: must be a whole number from 0 to 2147483647');
  });
});

describe('field names in Discord', () => {
  it('names each use-case field by its slash option', () => {
    expect(slashOptionName('samplingSeed')).toBe('sample_seed');
    expect(slashOptionName('topK')).toBe('top_k');
    expect(['bars', 'seconds', 'seedBars'].map(slashOptionName)).toEqual(['length', 'length', 'length']);
    expect(slashOptionName('temperature')).toBe('temperature');
  });

  it('words an invalid-input error with the option names, one `length` for bars or seconds', () => {
    const error = new InvalidInputError('the seed already fills 3 bars — ask for more with {bars} or {seconds}', { field: 'bars' });
    expect(error.message).toBe('the seed already fills 3 bars — ask for more with bars or seconds');
    expect(error.worded(discordFieldName)).toBe('the seed already fills 3 bars — ask for more with `length`');
  });

  it('answers a bad temperature by the option name, not the CLI flag', async () => {
    const error = (await checkComposeInput({ temperature: 9 }, false).catch((e: unknown) => e)) as InvalidInputError;
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.field).toBe('temperature');
    expect(error.message).toBe('`temperature`: Too big: expected number to be <=5 (got 9)');
  });
});

describe('MIDI attachment checks', () => {
  it('refuses files that are not MIDI by name and type', () => {
    expect(() => checkMidiAttachment({ name: 'song.mp3', size: 10, contentType: 'audio/mpeg' })).toThrow(/must be a MIDI file.*song\.mp3.*audio\/mpeg/);
    expect(() => checkMidiAttachment({ name: 'song.mid', size: 10 })).not.toThrow();
    expect(() => checkMidiAttachment({ name: 'upload', size: 10, contentType: 'audio/midi' })).not.toThrow();
  });

  it('refuses oversized files with the limit', () => {
    expect(() => checkMidiAttachment({ name: 'a.mid', size: 5000 }, 4096)).toThrow(/a\.mid.*4\.9 KB.*limit is 4(\.0)? KB/);
  });

  it('checks the header of the downloaded bytes', () => {
    expect(() => checkMidiBytes('x.mid', Buffer.from('MThd\0\0\0\x06'))).not.toThrow();
    expect(() => checkMidiBytes('x.mid', Buffer.from('RIFFxxxxWAVE'))).toThrow(/not a MIDI file/);
    expect(() => checkMidiBytes('x.mid', Buffer.alloc(20), 10)).toThrow(/limit/);
  });
});
