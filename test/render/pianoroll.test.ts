import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPiece } from '../../src/music/piece.js';
import { barStarts, barsToBeats } from '../../src/render/bars.js';
import { demoPiece } from '../../src/render/demo-piece.js';
import { pianoRollSvg, renderPianoRollPng, TRACK_COLOURS, writePianoRoll } from '../../src/render/pianoroll.js';
import { InvalidInputError } from '../../src/util/errors.js';
import { pngSize } from './png.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rhythmix-test-png-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('piano-roll picture', () => {
  const piece = demoPiece({ bars: 8 });

  it('writes a valid PNG of Discord embed size', async () => {
    const out = path.join(dir, 'roll.png');
    const image = await writePianoRoll(piece, out, { seedBeats: 8 });
    expect(image).toEqual({ path: out, width: 1200, height: 600 });
    const bytes = new Uint8Array(readFileSync(out));
    expect(pngSize(bytes)).toEqual({ width: 1200, height: 600 });
    expect(bytes.length).toBeGreaterThan(5000); // drawn, not blank
  });

  it('honours a custom size and rejects absurd ones', () => {
    expect(pngSize(renderPianoRollPng(piece, { width: 800, height: 400 }))).toEqual({ width: 800, height: 400 });
    expect(() => pianoRollSvg(piece, { width: 10, height: 10 })).toThrow(InvalidInputError);
  });

  it('has a legend per track, bar numbers, C labels, a seed region and drum diamonds', () => {
    const svg = pianoRollSvg(piece, { seedBeats: 8, title: 'Test <&> title' });
    for (const label of ['piano (acoustic grand piano)', 'strings (string ensemble 1)', 'bass (electric bass (finger))', '>drums<']) {
      expect(svg).toContain(label);
    }
    expect(svg).toContain('Test &lt;&amp;&gt; title');
    for (const bar of ['>1<', '>2<', '>8<']) expect(svg).toContain(bar);
    expect(svg).not.toContain('>9<');
    expect(svg).toMatch(/>C4</);
    expect(svg).toContain('>seed<');
    // One colour per track; drums drawn as diamond paths, not rectangles.
    for (const colour of TRACK_COLOURS.slice(0, 4)) expect(svg).toContain(`fill="${colour}"`);
    const drumHits = piece.tracks.find((t) => t.isDrum)?.notes.length ?? 0;
    expect(svg.match(new RegExp(`<path d="M[^"]+Z" fill="${TRACK_COLOURS[3]}"`, 'g'))?.length).toBe(drumHits + 1); // + legend swatch
  });

  it('numbers duplicate instrument names and draws an empty piece without failing', () => {
    const notes = [{ pitch: 60, start: 0, duration: 1, velocity: 80 }];
    const twoPianos = createPiece([
      { name: '', program: 0, isDrum: false, notes },
      { name: '', program: 0, isDrum: false, notes },
    ]);
    const svg = pianoRollSvg(twoPianos);
    expect(svg).toContain('1 · acoustic grand piano');
    expect(svg).toContain('2 · acoustic grand piano');
    expect(pngSize(renderPianoRollPng(createPiece([])))).toEqual({ width: 1200, height: 600 });
  });
});

describe('bars', () => {
  it('follows time-signature changes', () => {
    const piece = {
      timeSignatures: [
        { time: 0, numerator: 4, denominator: 4 },
        { time: 8, numerator: 3, denominator: 4 },
      ],
    };
    expect(barStarts(piece, 14)).toEqual([0, 4, 8, 11]);
    expect(barsToBeats(piece, 3)).toBe(11);
    expect(barsToBeats({ timeSignatures: [{ time: 0, numerator: 6, denominator: 8 }] }, 2)).toBe(6);
  });
});
