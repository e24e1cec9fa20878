import { describe, expect, it } from 'vitest';
import { TokenStreamState } from '../../src/music/token-stream.js';
import { DEFAULT_VOCABULARY as vocabulary } from '../../src/music/vocabulary.js';

const allowedNames = (state: TokenStreamState, kinds: string[]): string[] =>
  [...state.allowed()].flatMap((on, id) => (on && kinds.includes(vocabulary.kind(id)!) ? [vocabulary.name(id)] : []));

describe('constraints.tracks', () => {
  it('lets the header declare exactly the requested instruments, in order', () => {
    const state = new TokenStreamState({
      constraints: {
        tracks: [
          { program: 73, isDrum: false },
          { program: 0, isDrum: true },
        ],
      },
    });
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

describe('constraints.everyTrackPlays', () => {
  it('allows <end> only once every declared track has started a note', () => {
    const state = new TokenStreamState({ constraints: { everyTrackPlays: true } });
    for (const name of ['<start>', 'style:folk', 'meter:4/4', 'program:0', 'program:24', 'pitch:60', 'dur:4']) state.push(vocabulary.id(name));
    expect(state.isLegal(vocabulary.endId)).toBe(true);
    expect(state.isAllowed(vocabulary.endId)).toBe(false); // the guitar has not played
    for (const name of ['pos:4', 'track:1', 'pitch:48']) state.push(vocabulary.id(name));
    expect(state.isAllowed(vocabulary.endId)).toBe(false); // a pitch still needs its duration
    state.push(vocabulary.id('dur:4'));
    expect(state.isAllowed(vocabulary.endId)).toBe(true);
  });
});

describe('constraints.maxNotesPerStep', () => {
  it('caps the notes one pitched track starts at one step, per track and per step', () => {
    const state = new TokenStreamState({ constraints: { maxNotesPerStep: 2 } });
    for (const name of ['<start>', 'style:folk', 'meter:4/4', 'program:0', 'program:24', 'drums', 'pitch:60', 'dur:4', 'pitch:64', 'dur:4'])
      state.push(vocabulary.id(name));
    expect(state.isLegal(vocabulary.id('pitch:67'))).toBe(true);
    expect(state.isAllowed(vocabulary.id('pitch:67'))).toBe(false);
    expect(state.isAllowed(vocabulary.id('vel:96'))).toBe(false); // a velocity would need a pitch after it
    expect(state.isAllowed(vocabulary.id('track:1'))).toBe(true);
    expect(state.isAllowed(vocabulary.id('bar'))).toBe(true);
    for (const name of ['track:1', 'pitch:48', 'dur:4']) state.push(vocabulary.id(name));
    expect(state.isAllowed(vocabulary.id('pitch:52'))).toBe(true); // the other track has its own count
    for (const name of ['pitch:52', 'dur:4']) state.push(vocabulary.id(name));
    expect(state.isAllowed(vocabulary.id('pitch:55'))).toBe(false);
    state.push(vocabulary.id('track:2'));
    for (const pitch of [35, 38, 42]) {
      state.push(vocabulary.id(`pitch:${pitch}`));
      state.push(vocabulary.id('dur:1'));
    }
    expect(state.isAllowed(vocabulary.id('pitch:46'))).toBe(true); // drums are not chords: no cap
    state.push(vocabulary.id('bar'));
    for (const name of ['pitch:60', 'dur:4']) state.push(vocabulary.id(name));
    expect(state.isAllowed(vocabulary.id('pitch:64'))).toBe(true); // a new step starts a new count
  });
});

describe('constraints.meter', () => {
  it('makes the header take the given meter and forbids meter changes', () => {
    const state = new TokenStreamState({ constraints: { meter: { numerator: 4, denominator: 4 } } });
    for (const name of ['<start>', 'style:folk']) state.push(vocabulary.id(name));
    expect(allowedNames(state, ['meter'])).toEqual(['meter:4/4']);
    expect(state.isLegal(vocabulary.id('meter:3/4'))).toBe(true);
    for (const name of ['meter:4/4', 'program:0', 'pitch:60', 'dur:4', 'bar']) state.push(vocabulary.id(name));
    expect(state.isLegal(vocabulary.id('meter:3/4'))).toBe(true); // the grammar alone allows a change here
    expect(allowedNames(state, ['meter'])).toEqual([]);
  });
});
