/**
 * The engraved score: a piece → piece.musicxml (src/music/musicxml.ts) → Verovio (the engraver
 * compiled to wasm, in-process; LilyPond is the reference engraver, and why Verovio: see
 * docs/score.md) → SVG of the first page → score.png with resvg. The page is shaped for a
 * Discord preview (about 550 px wide): few bars a system, large staves, at most
 * SCORE_IMAGE_SIZE.height tall.
 */
import { writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { renderAsync } from '@resvg/resvg-js';
import createVerovioModule from 'verovio/wasm';
import { enableLogToBuffer, VerovioToolkit } from 'verovio/esm';
import { pieceToMusicXml, type MusicXmlOptions } from '../music/musicxml.js';
import { barCount, firstBars, type Piece } from '../music/piece.js';
import { RenderError } from './errors.js';
import { pianoRollFonts } from './fonts.js';

export interface ScoreOptions extends MusicXmlOptions {
  /** Width of score.png in pixels; the page keeps its shape. */
  readonly width?: number;
}

export interface ScoreFiles {
  readonly musicxml: string;
  readonly image: { readonly path: string; readonly width: number; readonly height: number };
}

/** score.png: width fixed, height at most this (shorter when the first page is not full). */
export const SCORE_IMAGE_SIZE = Object.freeze({ width: 1100, height: 700 });

/**
 * Verovio's page in its units (a staff space is 18 at scale 100): 1440 wide holds about four 4/4
 * bars of 16ths a system, and a staff is 1/20 of the width — 27 px of a 550 px preview.
 */
const PAGE_WIDTH = 1440;

/** Wider pages (smaller staves) for systems of more staves, so a system fits SCORE_IMAGE_SIZE's shape. */
const PAGE_WIDTHS = [PAGE_WIDTH, 1800, 2250, 2800, 3500] as const;

/**
 * Bars engraved for the picture: more than a first page holds. Engraving lays out every bar it
 * is given (a 512-bar piece would take seconds), so a longer piece's picture is engraved from its
 * opening; piece.musicxml always has the whole piece.
 */
export const PREVIEW_BARS = 32;

/** The page width to try first: two staves fit the narrowest page, each two more need the next. */
function firstPageWidthIndex(musicxml: string): number {
  const staves = (musicxml.match(/<score-part /g)?.length ?? 1) + (musicxml.match(/<staves>2<\/staves>/g)?.length ?? 0);
  return Math.min(PAGE_WIDTHS.length - 1, Math.max(0, Math.ceil(staves / 2) - 1));
}

let toolkit: Promise<VerovioToolkit> | undefined;

/** One toolkit per thread: instantiating the wasm module takes a fifth of a second. */
function verovio(): Promise<VerovioToolkit> {
  toolkit ??= createVerovioModule().then((module) => {
    // Warnings (e.g. a tightly justified system) go to the toolkit's log, not the process's stderr.
    enableLogToBuffer(1, module);
    return new VerovioToolkit(module);
  });
  return toolkit;
}

/** Instantiates Verovio now (a long-lived engraving process does this at start-up). */
export async function warmUpEngraver(): Promise<void> {
  await verovio();
}

/** Serif text (titles, part names, tempo) in DejaVu Serif when it is installed, beside the piano roll's fonts. */
function scoreFonts() {
  const fonts = pianoRollFonts();
  const serif = fonts.fontFiles.map((f) => f.replace(/DejaVuSans(-Bold)?\.ttf$/, 'DejaVuSerif$1.ttf')).filter((f) => existsSync(f));
  return { ...fonts, fontFiles: [...fonts.fontFiles, ...serif], ...(serif.length > 0 ? { serifFamily: 'DejaVu Serif' } : {}) };
}

/**
 * resvg measures a text's anchor over its <title> children as well (Verovio labels its headings
 * with them), which pushes a centred title off the page: they are tooltips, drop them.
 */
function forRasterising(svg: string): string {
  return svg.replace(/<title\b[^>]*>[^<]*<\/title>/g, '');
}

/** The first page of the engraved MusicXML as SVG, and the number of pages of what it was given. */
export async function engraveFirstPage(musicxml: string, width: number = SCORE_IMAGE_SIZE.width): Promise<{ svg: string; pages: number }> {
  const tk = await verovio();
  let first: { svg: string; pages: number } | undefined;
  for (const pageWidth of PAGE_WIDTHS.slice(firstPageWidthIndex(musicxml))) {
    const pageHeight = Math.round((pageWidth * SCORE_IMAGE_SIZE.height) / width);
    tk.setOptions({
      pageWidth,
      pageHeight,
      // Room for the part names: DejaVu is wider than the Times that Verovio measures them in.
      pageMarginLeft: Math.round(pageWidth * 0.06),
      pageMarginRight: 30,
      pageMarginTop: 30,
      pageMarginBottom: 30,
      scale: 100,
      adjustPageHeight: true,
      // A short piece on a wide page (many staves) fills the width instead of its left two thirds.
      minLastJustification: 0.5,
      breaks: 'auto',
      footer: 'none',
      header: 'auto',
    });
    if (first) tk.redoLayout();
    else if (!tk.loadData(musicxml)) throw new RenderError(`the engraver could not read the score: ${tk.getLog().trim().slice(0, 300)}`);
    const svg = tk.renderToSVG(1);
    first ??= { svg, pages: tk.getPageCount() };
    // A system taller than the page makes the page taller: then try smaller staves.
    if (svgHeight(svg) <= pageHeight * 1.01) return { svg, pages: tk.getPageCount() };
  }
  return first!;
}

/** The SVG's height in its own units (Verovio writes `height="NNNpx"` at scale 100: one unit a pixel). */
function svgHeight(svg: string): number {
  return Number(/<svg[^>]*\bheight="([\d.]+)px"/.exec(svg)?.[1] ?? 0);
}

/** What score.png is engraved from: piece.musicxml's text, or its opening for a long piece (PREVIEW_BARS). */
export type ScorePreview = string;

/** Writes piece.musicxml; returns the MusicXML that score.png is engraved from (engraveScoreImage). */
export async function writeScoreSource(piece: Piece, musicxmlPath: string, options: MusicXmlOptions = {}): Promise<ScorePreview> {
  const musicxml = pieceToMusicXml(piece, options);
  await writeFile(musicxmlPath, musicxml);
  return barCount(piece) > PREVIEW_BARS ? pieceToMusicXml(firstBars(piece, PREVIEW_BARS), options) : musicxml;
}

/** Engraves the first page of `preview` (writeScoreSource) to a PNG at `imagePath`. */
export async function engraveScoreImage(preview: ScorePreview, imagePath: string, width: number = SCORE_IMAGE_SIZE.width): Promise<ScoreFiles['image']> {
  const { svg } = await engraveFirstPage(preview, width);
  const image = await renderAsync(forRasterising(svg), { font: scoreFonts(), fitTo: { mode: 'width', value: width }, background: 'white' });
  await writeFile(imagePath, image.asPng());
  return { path: imagePath, width: image.width, height: image.height };
}

/** Writes piece.musicxml and score.png (the first page) for a piece. */
export async function writeScore(piece: Piece, paths: { musicxml: string; image: string }, options: ScoreOptions = {}): Promise<ScoreFiles> {
  const preview = await writeScoreSource(piece, paths.musicxml, options);
  return { musicxml: paths.musicxml, image: await engraveScoreImage(preview, paths.image, options.width) };
}
