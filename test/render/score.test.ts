import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import createVerovioModule from 'verovio/wasm';
import { enableLogToBuffer, VerovioToolkit } from 'verovio/esm';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMidi } from '../../src/midi/read.js';
import { pieceToMusicXml } from '../../src/music/musicxml.js';
import { createPiece } from '../../src/music/piece.js';
import { demoPiece } from '../../src/render/demo-piece.js';
import { engraveScoreImage, PREVIEW_BARS, SCORE_IMAGE_SIZE, writeScore, writeScoreSource } from '../../src/render/score.js';
import { darkShare, pngPixels } from './png.js';

const dir = mkdtempSync(join(tmpdir(), 'rhythmix-score-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const onsets = (notes: ReadonlyArray<{ pitch: number; start: number }>) => notes.map((n) => `${n.pitch}@${n.start.toFixed(3)}`).sort();

describe('writeScore', () => {
  it('writes piece.musicxml and a score.png of the preview width with ink on it', async () => {
    const piece = demoPiece({ bars: 8 });
    const files = await writeScore(piece, { musicxml: join(dir, 'piece.musicxml'), image: join(dir, 'score.png') }, { title: 'Rhythmix · folk' });
    expect(readFileSync(files.musicxml, 'utf8')).toBe(pieceToMusicXml(piece, { title: 'Rhythmix · folk' }));
    const image = pngPixels(new Uint8Array(readFileSync(files.image.path)));
    expect(image.width).toBe(SCORE_IMAGE_SIZE.width);
    expect(image.height).toBe(files.image.height);
    expect(image.height).toBeGreaterThan(200);
    expect(image.height).toBeLessThanOrEqual(SCORE_IMAGE_SIZE.height);
    // Staves, notes and text: a few percent of the page is ink; a blank page or a black one is not a score.
    const ink = darkShare(image);
    expect(ink).toBeGreaterThan(0.01);
    expect(ink).toBeLessThan(0.3);
  });

  it('engraves a long piece from its opening, and a single melody with large staves', async () => {
    const long = demoPiece({ bars: 100 });
    const files = await writeScore(long, { musicxml: join(dir, 'long.musicxml'), image: join(dir, 'long.png') });
    expect(readFileSync(files.musicxml, 'utf8').match(/<measure /g)).toHaveLength(100 * long.tracks.length);
    expect(files.image.height).toBeLessThanOrEqual(SCORE_IMAGE_SIZE.height);

    const melody = createPiece([
      { name: 'flute', program: 73, isDrum: false, notes: [0, 2, 4, 5, 7].map((d, i) => ({ pitch: 72 + d, start: i, duration: 1, velocity: 80 })) },
    ]);
    const small = await writeScore(melody, { musicxml: join(dir, 'melody.musicxml'), image: join(dir, 'melody.png') });
    expect(small.image.width).toBe(SCORE_IMAGE_SIZE.width);
    expect(darkShare(pngPixels(new Uint8Array(readFileSync(small.image.path))))).toBeGreaterThan(0.005);
  });
});

describe('engraving later (the bot posts a piece before its score.png)', () => {
  it('writes the same MusicXML now and the same picture later as writeScore at once', async () => {
    const piece = demoPiece({ bars: 8 });
    const now = await writeScore(piece, { musicxml: join(dir, 'now.musicxml'), image: join(dir, 'now.png') }, { title: 'T' });
    const preview = await writeScoreSource(piece, join(dir, 'later.musicxml'), { title: 'T' });
    expect(readFileSync(join(dir, 'later.musicxml'), 'utf8')).toBe(readFileSync(now.musicxml, 'utf8'));
    expect(preview).toBe(readFileSync(now.musicxml, 'utf8'));
    const later = await engraveScoreImage(preview, join(dir, 'later.png'));
    expect({ width: later.width, height: later.height }).toEqual({ width: now.image.width, height: now.image.height });
    expect(readFileSync(later.path).equals(readFileSync(now.image.path))).toBe(true);
  });

  it('hands a long piece’s opening on for the picture', async () => {
    const preview = await writeScoreSource(demoPiece({ bars: 100 }), join(dir, 'long-later.musicxml'));
    const parts = demoPiece({ bars: 100 }).tracks.length;
    expect(readFileSync(join(dir, 'long-later.musicxml'), 'utf8').match(/<measure /g)).toHaveLength(100 * parts);
    expect(preview.match(/<measure /g)).toHaveLength(PREVIEW_BARS * parts);
  });
});

describe('the MusicXML as another reader sees it', () => {
  it('Verovio reads it and plays back the same pitches at the same onsets', async () => {
    const module = await createVerovioModule();
    enableLogToBuffer(1, module);
    const toolkit = new VerovioToolkit(module);
    const piece = demoPiece({ bars: 4 });
    expect(toolkit.loadData(pieceToMusicXml(piece))).toBe(1);
    const midi = parseMidi(new Uint8Array(Buffer.from(toolkit.renderToMIDI(), 'base64')));
    const played = midi.tracks.filter((t) => !t.isDrum).flatMap((t) => t.notes);
    const written = piece.tracks.filter((t) => !t.isDrum).flatMap((t) => t.notes);
    expect(onsets(played)).toEqual(onsets(written));
  });
});
