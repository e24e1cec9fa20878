/**
 * Originality: the longest phrase a piece shares with any training piece, in bars of the piece's
 * own meter, whatever the key (docs/originality.md). Pure — no I/O: the index file beside a model
 * is read and written by src/model/originality-file.ts and built from the training data by
 * src/app/index-originality.ts.
 *
 * Each pitched track is read as up to two melodic lines, its highest and its lowest note at each
 * onset (a melody and a bass line; a one-voice track is one line). A line is a sequence of
 * features, one per note after the first: (pitch interval from the previous note, onset delta
 * from it in grid steps) — transposition-invariant, and tempo-free. Every run of `NGRAM`
 * consecutive features is hashed; the index keeps only those hashes, in order, per training line
 * (no notes). A query finds, for each of its n-grams, where the same hash occurs in the training
 * lines, and chains hits at consecutive positions of the same training line into runs: a run of
 * r hits copies r + NGRAM - 1 features, i.e. r + NGRAM notes.
 */
import { barsAt, mergeRepeatedNotes, type Piece } from './piece.js';

/** Features per hashed n-gram: 7 notes, about a bar of eighth notes. */
export const NGRAM = 6;
/** Longest phrase a piece may share with the training data before compose re-samples it. */
export const COPY_LIMIT_BARS = 4;

/** One melodic line of a piece: its notes' onsets and ends (beats) and the features between them. */
export interface MelodicLine {
  readonly track: number;
  /** Onset of each note, in beats. */
  readonly onsets: readonly number[];
  /** Where each note stops counting: its end, or the next onset when that comes first. */
  readonly ends: readonly number[];
  /** `features[i]` relates note i + 1 to note i. */
  readonly features: readonly number[];
}

const MAX_INTERVAL = 63;
const MAX_DELTA_STEPS = 1023;

/** A feature as one integer: interval (clamped to ±63) and onset delta in steps (clamped to 1023). */
function featureCode(interval: number, deltaSteps: number): number {
  const i = Math.max(-MAX_INTERVAL, Math.min(MAX_INTERVAL, interval)) + MAX_INTERVAL;
  return i * (MAX_DELTA_STEPS + 1) + Math.max(0, Math.min(MAX_DELTA_STEPS, deltaSteps));
}

interface Onset {
  readonly step: number;
  readonly start: number;
  readonly high: { pitch: number; end: number };
  readonly low: { pitch: number; end: number };
}

function lineFrom(track: number, onsets: readonly Onset[], pick: (o: Onset) => { pitch: number; end: number }): MelodicLine {
  const starts = onsets.map((o) => o.start);
  const ends = onsets.map((o, i) => Math.min(pick(o).end, onsets[i + 1]?.start ?? Infinity));
  const features: number[] = [];
  for (let i = 1; i < onsets.length; i++) {
    const now = onsets[i] as Onset;
    const before = onsets[i - 1] as Onset;
    features.push(featureCode(pick(now).pitch - pick(before).pitch, now.step - before.step));
  }
  return { track, onsets: starts, ends, features };
}

/**
 * The melodic lines of every pitched track (drums have no intervals to copy), read on a grid of
 * `stepsPerQuarter`. Repeated notes of one pitch without a gap count as one held note, as a
 * piano-roll (frame) model writes them. `skipTracks` leaves tracks out (a harmonized melody).
 */
export function melodicLines(piece: Piece, stepsPerQuarter: number, options: { skipTracks?: readonly number[] } = {}): MelodicLine[] {
  const merged = mergeRepeatedNotes(piece);
  const lines: MelodicLine[] = [];
  merged.tracks.forEach((track, index) => {
    if (track.isDrum || options.skipTracks?.includes(index)) return;
    const byStep = new Map<number, Onset>();
    for (const note of track.notes) {
      const step = Math.round(note.start * stepsPerQuarter);
      const end = note.start + note.duration;
      const seen = byStep.get(step);
      if (seen === undefined) {
        byStep.set(step, { step, start: note.start, high: { pitch: note.pitch, end }, low: { pitch: note.pitch, end } });
      } else {
        byStep.set(step, {
          ...seen,
          high: note.pitch > seen.high.pitch ? { pitch: note.pitch, end } : seen.high,
          low: note.pitch < seen.low.pitch ? { pitch: note.pitch, end } : seen.low,
        });
      }
    }
    const onsets = [...byStep.values()].sort((a, b) => a.step - b.step);
    if (onsets.length < 2) return;
    lines.push(lineFrom(index, onsets, (o) => o.high));
    if (onsets.some((o) => o.low.pitch !== o.high.pitch)) lines.push(lineFrom(index, onsets, (o) => o.low));
  });
  return lines;
}

/** Hash of the NGRAM features from `start` (FNV-1a over the codes, 32 bits). */
function ngramHash(features: readonly number[], start: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < start + NGRAM; i++) {
    let code = features[i] as number;
    for (let byte = 0; byte < 3; byte++) {
      hash ^= code & 0xff;
      hash = Math.imul(hash, 0x01000193);
      code >>>= 8;
    }
  }
  return hash >>> 0;
}

/** The n-gram hashes of a line, in order (none when it has fewer than NGRAM features). */
export function lineHashes(line: Pick<MelodicLine, 'features'>): Uint32Array {
  const count = Math.max(0, line.features.length - NGRAM + 1);
  const hashes = new Uint32Array(count);
  for (let i = 0; i < count; i++) hashes[i] = ngramHash(line.features, i);
  return hashes;
}

/** A training piece as the index names it. */
export interface IndexedPiece {
  readonly id: string;
  readonly style: string;
}

/** What an index holds (and its file stores): the training lines' hashes, in order, and whose they are. */
export interface OriginalityIndexData {
  readonly ngram: number;
  readonly stepsPerQuarter: number;
  readonly pieces: readonly IndexedPiece[];
  /** Per training line: the index of its piece in `pieces`. */
  readonly linePieces: Uint32Array;
  /** Per training line: its hashes, concatenated in line order. */
  readonly lineLengths: Uint32Array;
  readonly hashes: Uint32Array;
}

/** Builds the index data of training pieces (each prepared and quantised as training read it). */
export function indexPieces(pieces: Iterable<{ id: string; style: string; piece: Piece }>, stepsPerQuarter: number): OriginalityIndexData {
  const named: IndexedPiece[] = [];
  const linePieces: number[] = [];
  const lineLengths: number[] = [];
  const chunks: Uint32Array[] = [];
  for (const { id, style, piece } of pieces) {
    const pieceIndex = named.length;
    named.push({ id, style });
    for (const line of melodicLines(piece, stepsPerQuarter)) {
      const hashes = lineHashes(line);
      if (hashes.length === 0) continue;
      linePieces.push(pieceIndex);
      lineLengths.push(hashes.length);
      chunks.push(hashes);
    }
  }
  const hashes = new Uint32Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    hashes.set(chunk, at);
    at += chunk.length;
  }
  return { ngram: NGRAM, stepsPerQuarter, pieces: named, linePieces: Uint32Array.from(linePieces), lineLengths: Uint32Array.from(lineLengths), hashes };
}

/** The longest copied phrase a query found. */
export interface CopiedPhrase {
  /** Its length in bars of the queried piece's meter (the part after `countFrom`). */
  readonly bars: number;
  /** Where it starts and ends in the queried piece, in beats. */
  readonly startBeats: number;
  readonly endBeats: number;
  /** The training piece it shares the phrase with. */
  readonly piece: IndexedPiece;
  /** The queried piece's track it is in. */
  readonly track: number;
}

export interface OriginalityQuery {
  /** Only the music from this beat on counts (a seed's bars are the user's, not the model's). */
  readonly countFrom?: number;
  /** Tracks left out of the check (a harmonized melody, given by the user). */
  readonly skipTracks?: readonly number[];
}

/**
 * The training data's hashes laid out for lookups: sorted by hash, each with its global position
 * (line positions numbered one after another, with a gap between lines so no run crosses a line's end).
 */
export class OriginalityIndex {
  private readonly sortedHashes: Uint32Array;
  private readonly sortedPositions: Uint32Array;
  /** Global position of each line's first n-gram, to find a hit's line (ascending). */
  private readonly lineBases: Uint32Array;

  constructor(readonly data: OriginalityIndexData) {
    const lineCount = data.lineLengths.length;
    this.lineBases = new Uint32Array(lineCount);
    const total = data.hashes.length;
    // Sorted as one Float64Array of hash · 2^21 + entry (exact below 2^53): a native numeric sort.
    if (total >= 2 ** 21) throw new RangeError(`an originality index holds at most ${2 ** 21 - 1} n-grams, got ${total}`);
    const keys = new Float64Array(total);
    const positions = new Uint32Array(total);
    let entry = 0;
    let base = 0;
    for (let line = 0; line < lineCount; line++) {
      this.lineBases[line] = base;
      const length = data.lineLengths[line] as number;
      for (let k = 0; k < length; k++, entry++) {
        keys[entry] = (data.hashes[entry] as number) * 2 ** 21 + entry;
        positions[entry] = base + k;
      }
      base += length + 1;
    }
    keys.sort();
    this.sortedHashes = new Uint32Array(total);
    this.sortedPositions = new Uint32Array(total);
    for (let i = 0; i < total; i++) {
      const key = keys[i] as number;
      const original = key % 2 ** 21;
      this.sortedHashes[i] = (key - original) / 2 ** 21;
      this.sortedPositions[i] = positions[original] as number;
    }
  }

  get stepsPerQuarter(): number {
    return this.data.stepsPerQuarter;
  }

  /** Training pieces indexed. */
  get pieceCount(): number {
    return this.data.pieces.length;
  }

  /** First index in the sorted hashes that is ≥ `hash`. */
  private lowerBound(hash: number): number {
    let lo = 0;
    let hi = this.sortedHashes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.sortedHashes[mid] as number) < hash) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private pieceAt(position: number): IndexedPiece {
    let lo = 0;
    let hi = this.lineBases.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.lineBases[mid] as number) <= position) lo = mid;
      else hi = mid - 1;
    }
    return this.data.pieces[this.data.linePieces[lo] as number] as IndexedPiece;
  }

  /** The longest phrase of `piece` found in the training data (undefined: none of NGRAM + 1 notes or more). */
  longestCopy(piece: Piece, query: OriginalityQuery = {}): CopiedPhrase | undefined {
    const countFrom = query.countFrom ?? 0;
    let best: CopiedPhrase | undefined;
    for (const line of melodicLines(piece, this.stepsPerQuarter, query.skipTracks ? { skipTracks: query.skipTracks } : {})) {
      const hashes = lineHashes(line);
      // Runs ending at the previous n-gram, by the training position they end at.
      let previous = new Map<number, number>();
      for (let q = 0; q < hashes.length; q++) {
        const current = new Map<number, number>();
        let longest = 0;
        let at = 0;
        const hash = hashes[q] as number;
        for (let i = this.lowerBound(hash); i < this.sortedHashes.length && this.sortedHashes[i] === hash; i++) {
          const position = this.sortedPositions[i] as number;
          const run = (previous.get(position - 1) ?? 0) + 1;
          current.set(position, run);
          if (run > longest) {
            longest = run;
            at = position;
          }
        }
        previous = current;
        if (longest === 0) continue;
        // A run of `longest` n-grams ending at q copies notes q - longest + 1 … q + NGRAM.
        const first = q - longest + 1;
        const last = q + NGRAM;
        const startBeats = line.onsets[first] as number;
        const endBeats = line.ends[last] as number;
        if (endBeats <= countFrom) continue;
        const bars = barsAt(piece, endBeats) - barsAt(piece, Math.max(startBeats, countFrom));
        if (best === undefined || bars > best.bars) best = { bars, startBeats, endBeats, piece: this.pieceAt(at), track: line.track };
      }
    }
    return best;
  }

  /** The longest copied phrase in bars, rounded to a tenth (0 when nothing of NGRAM + 1 notes is shared). */
  longestCopiedBars(piece: Piece, query: OriginalityQuery = {}): number {
    return roundBars(this.longestCopy(piece, query)?.bars ?? 0);
  }
}

/** Bars as shown and stored: one decimal. */
export function roundBars(bars: number): number {
  return Math.round(bars * 10) / 10;
}
