import { describe, expect, it } from 'vitest';
import { INSTRUMENT_PROGRAMS, parseInstrumentList, resolveInstrument, styleInstruments } from '../../src/compose/instruments.js';
import { InvalidInputError } from '../../src/util/errors.js';

describe('instrument names → General MIDI', () => {
  it('maps common names, drums and program numbers', () => {
    expect(resolveInstrument('piano')).toEqual({ name: 'piano', program: 0, isDrum: false });
    expect(resolveInstrument('Strings').program).toBe(48);
    expect(resolveInstrument('flute').program).toBe(73);
    expect(resolveInstrument('guitar').program).toBe(24);
    expect(resolveInstrument('bass').program).toBe(33);
    expect(resolveInstrument('French Horn').program).toBe(60);
    expect(resolveInstrument('drums')).toEqual({ name: 'drums', program: 0, isDrum: true });
    expect(resolveInstrument('40')).toEqual({ name: 'program-40', program: 40, isDrum: false });
    expect(resolveInstrument('program:127').program).toBe(127);
  });

  it('keeps every table entry a valid GM program', () => {
    for (const program of Object.values(INSTRUMENT_PROGRAMS)) {
      if (program !== null) expect(program >= 0 && program <= 127 && Number.isInteger(program)).toBe(true);
    }
  });

  it('rejects unknown names and out-of-range programs, naming the value', () => {
    expect(() => resolveInstrument('kazoo')).toThrow(InvalidInputError);
    expect(() => resolveInstrument('kazoo')).toThrow(/"kazoo".*piano/);
    expect(() => resolveInstrument('128')).toThrow(/"128"/);
  });

  it('parses lists and picks a style ensemble for --tracks', () => {
    expect(parseInstrumentList('piano, strings,drums').map((i) => i.name)).toEqual(['piano', 'strings', 'drums']);
    expect(() => parseInstrumentList(' , ')).toThrow(/empty/);
    expect(() => parseInstrumentList(Array(17).fill('piano'))).toThrow(/at most 16/);
    expect(styleInstruments('game', 3).map((i) => i.isDrum)).toEqual([false, false, true]);
    expect(styleInstruments('folk', 10)).toHaveLength(10);
  });
});
