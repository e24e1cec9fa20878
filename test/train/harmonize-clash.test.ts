import { describe, expect, it } from 'vitest';
import { createPiece, type Note } from '../../src/music/piece.js';
import { chorale, harmonizeClashRow, referenceClash, voiceNotes, type ChoraleFrames } from '../../src/train/harmonize-clash.js';
import { harmonizeSection } from '../../src/train/report-harmonize-markdown.js';

/** `quarters` quarter notes (4 frames each) of the same four voices, soprano first. */
const held = (voices: readonly number[], quarters: number): ChoraleFrames => Array.from({ length: quarters * 4 }, () => [...voices]);
const note = (pitch: number, start: number, duration: number): Note => ({ pitch, start, duration, velocity: 80 });

// Two bars each, so strong beats 0, 2, 4 and 6.
const consonant = chorale(held([72, 67, 64, 48], 8)); // C5 over G4, E4, C3: no clash
const tense = chorale(held([73, 66, 61, 48], 8)); // C#5 over F#4, C#4, C3: C3 is a minor ninth (+ octave) below

describe('harmonization clash rate (report)', () => {
  it('reads a voice of the separated frames as held notes', () => {
    const frames = [
      [72, 60],
      [72, 60],
      [72, 62],
      [-1, 62],
    ];
    expect(voiceNotes(frames, 0)).toEqual([note(72, 0, 0.75)]);
    expect(voiceNotes(frames, 1)).toEqual([note(60, 0, 0.5), note(62, 0.5, 0.5)]);
    expect(consonant.end).toBe(8);
    expect(consonant.lower).toHaveLength(3);
  });

  it("counts Bach's lower voices and chance (the next chorale's) on strong beats", () => {
    const { pieces, bach, chance } = referenceClash([consonant, tense]);
    expect(pieces).toBe(2);
    // Bach: 3 voices × 4 strong beats per chorale; only the tense one's C3 clashes (4 beats).
    expect(bach).toEqual({ notes: 24, clashes: 4, rate: 4 / 24 });
    // C5 over F#4 (tritone) = 4; C#5 over G4 (tritone) and C3 (minor ninth) = 8.
    expect(chance).toEqual({ notes: 24, clashes: 12, rate: 0.5 });
  });

  it('counts the pitched accompaniment of each take against its melody and the melodies kept', () => {
    const take = (melody: Note[], accompaniment: Note[], drums: Note[]) =>
      createPiece([
        { name: 'melody', program: 0, isDrum: false, notes: melody },
        { name: 'accompaniment', program: 32, isDrum: false, notes: accompaniment },
        { name: 'drums', program: 0, isDrum: true, notes: drums },
      ]);
    const row = harmonizeClashRow('m', 'classical', [
      // B4 a semitone under C5 on all 4 strong beats; C4 sounds on beat 0 only (it ends as beat 2 starts); drums are not counted.
      { chorale: consonant, piece: take([note(72, 0, 8)], [note(71, 0, 8), note(60, 0, 2)], [note(73, 0, 8)]), melodyKept: true },
      { chorale: tense, piece: take([note(73, 0, 8)], [], []), melodyKept: false },
    ]);
    expect(row).toMatchObject({ model: 'm', style: 'classical', takes: 2, melodyKept: 1 });
    expect(row.harmonized).toEqual({ notes: 5, clashes: 4, rate: 0.8 });
    expect(row.bach.clashes).toBe(4);
    expect(row.chance.clashes).toBe(12);
    const markdown = harmonizeSection({ harmonize: [row] }).join('\n');
    expect(markdown).toContain('## Harmonization: clashes with the melody');
    expect(markdown).toContain('| m | classical | 2 | **80.0 % (4/5)** | 16.7 % (4/24) | 50.0 % (12/24) | 1/2 |');
    expect(harmonizeSection({})).toEqual([]);
  });
});
