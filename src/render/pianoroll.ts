/**
 * Piano-roll picture of a piece, drawn as SVG and rasterised with resvg (no browser): one colour
 * per track with a legend, bar lines with numbers, the seed marked as a shaded region, C labels
 * on the pitch axis, and drums in their own lane as diamonds (their "pitches" are instruments, not
 * notes). Sized for a Discord embed (1200×600 by default).
 */
import { writeFile } from 'node:fs/promises';
import { Resvg, renderAsync } from '@resvg/resvg-js';
import { gmInstrumentName } from '../midi/gm.js';
import { barLengthBeats, beatsToSeconds, noteCount, pieceLengthBeats, type Piece, type Track } from '../music/piece.js';
import { InvalidInputError } from '../util/errors.js';
import { barStarts } from './bars.js';
import { FONT_FAMILY, pianoRollFonts } from './fonts.js';

export interface PianoRollOptions {
  readonly width?: number;
  readonly height?: number;
  /** Length of the seed from the start of the piece, in quarter notes; shaded and labelled. */
  readonly seedBeats?: number;
  /** Heading; defaults to the piece's title. */
  readonly title?: string;
}

export interface PianoRollImage {
  readonly path: string;
  readonly width: number;
  readonly height: number;
}

export const DEFAULT_PIANO_ROLL_SIZE = Object.freeze({ width: 1200, height: 600 });

/** Bright colours that stay distinct on the dark background (Tableau-like). */
export const TRACK_COLOURS: readonly string[] = Object.freeze([
  '#5fa8ff',
  '#ffa94d',
  '#ff6b6b',
  '#63e6be',
  '#a9e34b',
  '#ffd43b',
  '#da77f2',
  '#ff8cc6',
  '#d2a679',
  '#ced4da',
]);

const THEME = {
  background: '#1e1f22',
  plot: '#26282c',
  blackKeyRow: '#222327',
  grid: '#3a3d44',
  bar: '#5c616b',
  text: '#e3e5e8',
  muted: '#9aa0a8',
  seed: '#ffffff',
};

const BLACK_KEYS = new Set([1, 3, 6, 8, 10]);

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

function clip(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

function fmt(value: number): string {
  return String(Math.round(value * 100) / 100);
}

export function trackLabel(track: Track): string {
  if (track.isDrum) return track.name.trim() !== '' ? track.name : 'drums';
  const gm = gmInstrumentName(track.program);
  const name = track.name.trim();
  return name === '' || name.toLowerCase() === gm ? gm : `${name} (${gm})`;
}

interface Layout {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly melodicBottom: number;
  readonly drumTop: number;
  readonly bottom: number;
  readonly legendTop: number;
  readonly legendRows: string[][];
}

/** Swatch, gap, text (DejaVu Sans at 14 px averages about 8.3 px per character) and spacing. */
function legendItemWidth(label: string): number {
  return 20 + label.length * 8.3 + 18;
}

function legendRows(labels: readonly string[], width: number): string[][] {
  const rows: string[][] = [[]];
  let x = 0;
  for (const label of labels) {
    const itemWidth = legendItemWidth(label);
    if (x + itemWidth > width && (rows.at(-1)?.length ?? 0) > 0) {
      rows.push([]);
      x = 0;
    }
    rows.at(-1)?.push(label);
    x += itemWidth;
  }
  return rows.slice(0, 3);
}

export function pianoRollSvg(piece: Piece, options: PianoRollOptions = {}): string {
  const width = options.width ?? DEFAULT_PIANO_ROLL_SIZE.width;
  const height = options.height ?? DEFAULT_PIANO_ROLL_SIZE.height;
  if (!(width >= 200 && width <= 8000 && height >= 150 && height <= 8000)) {
    throw new InvalidInputError(`piano-roll size ${width}×${height} is out of range (200..8000 × 150..8000)`);
  }
  const tracks = piece.tracks.map((track, i) => ({ track, colour: TRACK_COLOURS[i % TRACK_COLOURS.length] as string }));
  const melodic = tracks.filter((t) => !t.track.isDrum && t.track.notes.length > 0);
  const drums = tracks.filter((t) => t.track.isDrum && t.track.notes.length > 0);
  const rawLabels = tracks.filter((t) => t.track.notes.length > 0).map((t) => clip(trackLabel(t.track), 44));
  // Two tracks with the same instrument (a melody and its accompaniment) get numbered.
  const labels = rawLabels.map((label, i) => (rawLabels.indexOf(label) !== rawLabels.lastIndexOf(label) ? `${i + 1} · ${label}` : label));

  const rows = legendRows(labels, width - 64);
  const legendHeight = rows.length * 22 + 8;
  const left = 52;
  const right = width - 16;
  const top = 62;
  const bottom = height - legendHeight - 10;
  const drumLane = drums.length > 0 ? Math.min(90, Math.max(36, (bottom - top) * 0.18)) : 0;
  const layout: Layout = {
    width,
    height,
    left,
    right,
    top,
    bottom,
    melodicBottom: bottom - (drumLane > 0 ? drumLane + 8 : 0),
    drumTop: bottom - drumLane,
    legendTop: bottom + 14,
    legendRows: rows,
  };

  const totalBeats = Math.max(pieceLengthBeats(piece), options.seedBeats ?? 0, 1);
  const bars = barStarts(piece, totalBeats);
  const endBeats =
    bars.length > 0 ? Math.max(totalBeats, (bars.at(-1) ?? 0) + barLengthBeats(piece.timeSignatures.at(-1) ?? { numerator: 4, denominator: 4 })) : totalBeats;
  const xOf = (beats: number): number => left + ((right - left) * beats) / endBeats;

  let low = 127;
  let high = 0;
  for (const { track } of melodic) {
    for (const n of track.notes) {
      low = Math.min(low, n.pitch);
      high = Math.max(high, n.pitch);
    }
  }
  if (low > high) {
    low = 48;
    high = 72;
  }
  // Whole octaves from C to B, at least two, so the C labels frame the notes.
  low = Math.max(0, Math.floor(low / 12) * 12);
  high = Math.min(127, Math.max(low + 23, Math.floor(high / 12) * 12 + 11));
  const rowHeight = (layout.melodicBottom - top) / (high - low + 1);
  const yOf = (pitch: number): number => layout.melodicBottom - (pitch - low + 1) * rowHeight;

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT_FAMILY}">`,
    `<rect width="${width}" height="${height}" fill="${THEME.background}"/>`,
  );
  // Heading: title on the left, facts on the right.
  const title = options.title ?? piece.title ?? 'Rhythmix';
  const seconds = beatsToSeconds(piece, pieceLengthBeats(piece));
  const facts = `${bars.length} bars · ${Math.round(piece.tempos[0]?.bpm ?? 120)} BPM · ${noteCount(piece)} notes · ${Math.floor(seconds / 60)}:${String(Math.round(seconds % 60)).padStart(2, '0')}`;
  parts.push(
    `<text x="${left}" y="26" font-size="19" font-weight="bold" fill="${THEME.text}">${escapeXml(title.slice(0, 70))}</text>`,
    `<text x="${right}" y="26" font-size="14" text-anchor="end" fill="${THEME.muted}">${escapeXml(facts)}</text>`,
  );
  // Plot background with darker rows for black keys (when rows are tall enough to see).
  parts.push(`<rect x="${left}" y="${top}" width="${right - left}" height="${fmt(layout.melodicBottom - top)}" fill="${THEME.plot}"/>`);
  if (rowHeight >= 3) {
    for (let p = low; p <= high; p++) {
      if (BLACK_KEYS.has(p % 12))
        parts.push(`<rect x="${left}" y="${fmt(yOf(p))}" width="${right - left}" height="${fmt(rowHeight)}" fill="${THEME.blackKeyRow}"/>`);
    }
  }
  // C lines and labels.
  for (let p = low; p <= high; p++) {
    if (p % 12 !== 0) continue;
    const y = yOf(p) + rowHeight;
    parts.push(
      `<line x1="${left}" x2="${right}" y1="${fmt(y)}" y2="${fmt(y)}" stroke="${THEME.grid}" stroke-width="1"/>`,
      `<text x="${left - 6}" y="${fmt(y - rowHeight / 2 + 4)}" font-size="12" text-anchor="end" fill="${THEME.muted}">C${p / 12 - 1}</text>`,
    );
  }
  if (drumLane > 0) {
    parts.push(
      `<rect x="${left}" y="${fmt(layout.drumTop)}" width="${right - left}" height="${fmt(drumLane)}" fill="${THEME.plot}"/>`,
      `<text x="${left - 6}" y="${fmt(layout.drumTop + drumLane / 2 + 4)}" font-size="12" text-anchor="end" fill="${THEME.muted}">drums</text>`,
    );
  }
  // Seed region.
  if (options.seedBeats !== undefined && options.seedBeats > 0) {
    const x = xOf(Math.min(options.seedBeats, endBeats));
    parts.push(
      `<rect x="${left}" y="${top}" width="${fmt(x - left)}" height="${fmt(bottom - top)}" fill="${THEME.seed}" fill-opacity="0.09"/>`,
      `<line x1="${fmt(x)}" x2="${fmt(x)}" y1="${top - 4}" y2="${bottom}" stroke="${THEME.seed}" stroke-opacity="0.7" stroke-width="1.5" stroke-dasharray="5 4"/>`,
      `<text x="${fmt(Math.max(left + 4, x - 6))}" y="${top + 16}" font-size="13" text-anchor="${x - left > 50 ? 'end' : 'start'}" fill="${THEME.text}" fill-opacity="0.85">seed</text>`,
    );
  }
  // Bar lines and numbers, thinned so that numbers stay at least ~30 px apart.
  const barPixels = (right - left) / Math.max(1, bars.length);
  const labelEvery = [1, 2, 4, 8, 16, 32, 64, 128, 256].find((k) => barPixels * k >= 30) ?? 512;
  bars.forEach((start, i) => {
    const x = xOf(start);
    const strong = i % labelEvery === 0;
    if (barPixels >= 3 || strong) {
      parts.push(`<line x1="${fmt(x)}" x2="${fmt(x)}" y1="${top}" y2="${bottom}" stroke="${strong ? THEME.bar : THEME.grid}" stroke-width="1"/>`);
    }
    if (strong) parts.push(`<text x="${fmt(x + 3)}" y="${top - 8}" font-size="12" fill="${THEME.muted}">${i + 1}</text>`);
  });
  // Notes: opacity follows velocity so accents stand out.
  const pixelsPerBeat = (right - left) / endBeats;
  for (const { track, colour } of melodic) {
    for (const n of track.notes) {
      if (n.pitch < low || n.pitch > high) continue;
      const w = Math.max(1.5, n.duration * pixelsPerBeat - 0.5);
      const opacity = 0.55 + (0.45 * Math.min(127, n.velocity)) / 127;
      parts.push(
        `<rect x="${fmt(xOf(n.start))}" y="${fmt(yOf(n.pitch) + 0.5)}" width="${fmt(w)}" height="${fmt(Math.max(1, rowHeight - 1))}" rx="${rowHeight >= 6 ? 1.5 : 0}" fill="${colour}" fill-opacity="${fmt(opacity)}"/>`,
      );
    }
  }
  // Drums: one row per drum sound, a diamond per hit.
  if (drumLane > 0) {
    const sounds = [...new Set(drums.flatMap((d) => d.track.notes.map((n) => n.pitch)))].sort((a, b) => a - b);
    const laneRow = drumLane / sounds.length;
    const r = Math.max(1.5, Math.min(5, laneRow / 2 - 0.5, pixelsPerBeat / 3));
    for (const { track, colour } of drums) {
      for (const n of track.notes) {
        const cx = xOf(n.start);
        const cy = layout.drumTop + drumLane - (sounds.indexOf(n.pitch) + 0.5) * laneRow;
        parts.push(`<path d="M${fmt(cx)} ${fmt(cy - r)}L${fmt(cx + r)} ${fmt(cy)}L${fmt(cx)} ${fmt(cy + r)}L${fmt(cx - r)} ${fmt(cy)}Z" fill="${colour}"/>`);
      }
    }
  }
  // Legend.
  let index = 0;
  layout.legendRows.forEach((row, r) => {
    let x = left;
    const y = layout.legendTop + r * 22;
    for (const label of row) {
      const entry = tracks.filter((t) => t.track.notes.length > 0)[index++];
      if (!entry) continue;
      const swatch = entry.track.isDrum
        ? `<path d="M${x + 7} ${y - 11}L${x + 14} ${y - 4}L${x + 7} ${y + 3}L${x} ${y - 4}Z" fill="${entry.colour}"/>`
        : `<rect x="${x}" y="${y - 11}" width="14" height="14" rx="2" fill="${entry.colour}"/>`;
      parts.push(swatch, `<text x="${x + 20}" y="${y + 1}" font-size="14" fill="${THEME.text}">${escapeXml(label)}</text>`);
      x += legendItemWidth(label);
    }
  });
  parts.push('</svg>');
  return parts.join('');
}

function resvgOptions(width: number): ConstructorParameters<typeof Resvg>[1] {
  return { font: pianoRollFonts(), fitTo: { mode: 'width', value: width } };
}

/** PNG bytes (synchronous; prefer `writePianoRoll` on a busy event loop). */
export function renderPianoRollPng(piece: Piece, options: PianoRollOptions = {}): Uint8Array {
  const svg = pianoRollSvg(piece, options);
  return new Resvg(svg, resvgOptions(options.width ?? DEFAULT_PIANO_ROLL_SIZE.width)).render().asPng();
}

/** Draw the piano roll and write it as PNG; rasterising runs on libuv's thread pool. */
export async function writePianoRoll(piece: Piece, outPath: string, options: PianoRollOptions = {}): Promise<PianoRollImage> {
  const width = options.width ?? DEFAULT_PIANO_ROLL_SIZE.width;
  const image = await renderAsync(pianoRollSvg(piece, options), resvgOptions(width));
  await writeFile(outPath, image.asPng());
  return { path: outPath, width: image.width, height: image.height };
}
