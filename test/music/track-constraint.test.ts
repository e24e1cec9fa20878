import { describe, expect, it } from 'vitest';
import { TokenStreamState } from '../../src/music/token-stream.js';
import { DEFAULT_VOCABULARY as vocabulary } from '../../src/music/vocabulary.js';

const allowedNames = (state: TokenStreamState, kinds: string[]): string[] =>
  [...state.allowed()].flatMap((on, id) => (on && kinds.includes(vocabulary.kind(id)!) ? [vocabulary.name(id)] : []));

describe('constraints.tracks', () => {
  it('lets the header declare exactly the requested instruments, in order', () => {
    const state = new TokenStreamState({ constraints: { tracks: [{ program: 73, isDrum: false }, { program: 0, isDrum: true }] } });
    for (const name of ['<start>', 'style:game', 'meter:4/4']) state.push(vocabulary.id(name));
    expect(allowedNames(state, ['program', 'drums', 'pitch', 'bar', 'position'])).toEqual(['program:73']);
    state.push(vocabulary.id('program:73'));
    expect(allowedNames(state, ['program', 'drums', 'pitch', 'bar', 'position'])).toEqual(['drums']);
    state.push(vocabulary.drumsId);
    const next = allowedNames(state, ['program', 'drums', 'pitch']);
    expect(next.some((n) => n.startsWith('program') || n === 'drums')).toBe(false);
    expect(next).toContain('pitch:60');
  });

  it('constrains sampling only: the grammar alone still accepts other headers', () => {
    const state = new TokenStreamState({ constraints: { tracks: [{ program: 73, isDrum: false }] } });
    for (const name of ['<start>', 'style:game', 'meter:4/4']) state.push(vocabulary.id(name));
    expect(state.isLegal(vocabulary.id('program:0'))).toBe(true);
    expect(state.isAllowed(vocabulary.id('program:0'))).toBe(false);
  });
});

describe('constraints.minEndStep', () => {
  it('allows <end> only from the given step on', () => {
    const state = new TokenStreamState({ constraints: { minEndStep: 16 } });
    for (const name of ['<start>', 'style:folk', 'meter:4/4', 'program:0', 'pitch:60', 'dur:4']) state.push(vocabulary.id(name));
    expect(state.isLegal(vocabulary.endId)).toBe(true);
    expect(state.isAllowed(vocabulary.endId)).toBe(false);
    for (const name of ['bar', 'pitch:62', 'dur:4']) state.push(vocabulary.id(name));
    expect(state.isAllowed(vocabulary.endId)).toBe(true); // step 16: the second bar
  });
});
