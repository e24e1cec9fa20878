/**
 * `rhythmix dataset stats`: what a data set holds and how much of it survives the round trip
 * into the model's language and back (see roundtrip.ts). Entries are processed one at a time;
 * an entry that fails at any stage is listed in `failed` with its reason and counted nowhere
 * else, so `parsed + failed.length = files`.
 */
import { noteCount } from '../music/piece.js';
import type { Style } from '../music/styles.js';
import { DEFAULT_VOCABULARY, type Vocabulary } from '../music/vocabulary.js';
import { errorMessage, RhythmixError } from '../util/errors.js';
import type { Dataset, DatasetEntry } from './dataset.js';
import { roundTrip } from './roundtrip.js';

export interface FailedEntry {
  readonly file: string;
  readonly reason: string;
}

export interface DatasetStats {
  readonly dataset: string;
  readonly style: Style;
  readonly steps_per_quarter: number;
  readonly files: number;
  readonly parsed: number;
  readonly failed: readonly FailedEntry[];
  readonly tracks: number;
  /** Notes in the parsed files. */
  readonly notes: number;
  /** Notes in the tracks kept for training (see tracks.ts; equal to `notes` for most sets). */
  readonly notes_selected: number;
  /** Notes found (pitch, start, duration, track) at their grid place after the whole round trip. */
  readonly notes_kept: number;
  /** notes_kept / notes. */
  readonly notes_kept_fraction: number;
  /** Notes found at their original, unquantised time and length after the round trip. */
  readonly notes_exact: number;
  /** Selected notes whose onset or release was off the grid. */
  readonly off_grid_notes: number;
  readonly tokens: number;
  readonly vocabulary_size: number;
  /** Distinct token ids used. */
  readonly vocabulary_used: number;
  /** vocabulary_used / vocabulary_size. */
  readonly vocabulary_coverage: number;
}

export interface StatsOptions {
  readonly stepsPerQuarter: number;
  readonly vocabulary?: Vocabulary;
  /** Called after each entry with the number done so far. */
  readonly onProgress?: (done: number, total: number) => void;
}

function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

/** A failure's reason as one line: bad input says what was wrong, anything else is marked internal. */
function failureReason(error: unknown): string {
  const message = errorMessage(error).split('\n')[0] ?? '';
  return error instanceof RhythmixError ? message : `internal error: ${message}`;
}

export async function datasetStats(dataset: Dataset, entries: readonly DatasetEntry[], options: StatsOptions): Promise<DatasetStats> {
  const vocabulary = options.vocabulary ?? DEFAULT_VOCABULARY;
  const used = new Uint8Array(vocabulary.size);
  const failed: FailedEntry[] = [];
  let parsed = 0;
  let tracks = 0;
  let notes = 0;
  let notesSelected = 0;
  let notesKept = 0;
  let notesExact = 0;
  let offGrid = 0;
  let tokens = 0;

  let done = 0;
  for (const entry of entries) {
    try {
      const piece = await entry.load();
      const prepared = dataset.prepare(piece);
      const result = roundTrip(prepared, { style: dataset.style, stepsPerQuarter: options.stepsPerQuarter, vocabulary });
      parsed += 1;
      tracks += piece.tracks.length;
      notes += noteCount(piece);
      notesSelected += noteCount(prepared);
      notesKept += result.keptNotes;
      notesExact += result.exactNotes;
      offGrid += result.quantized.offGridNotes;
      tokens += result.tokens.length;
      for (const id of result.tokens) used[id] = 1;
    } catch (error) {
      failed.push({ file: entry.source, reason: failureReason(error) });
    }
    done += 1;
    options.onProgress?.(done, entries.length);
    // Let progress output and signals through between files.
    await new Promise((resolve) => setImmediate(resolve));
  }

  const vocabularyUsed = used.reduce((sum, flag) => sum + flag, 0);
  return {
    dataset: dataset.name,
    style: dataset.style,
    steps_per_quarter: options.stepsPerQuarter,
    files: entries.length,
    parsed,
    failed,
    tracks,
    notes,
    notes_selected: notesSelected,
    notes_kept: notesKept,
    notes_kept_fraction: ratio(notesKept, notes),
    notes_exact: notesExact,
    off_grid_notes: offGrid,
    tokens,
    vocabulary_size: vocabulary.size,
    vocabulary_used: vocabularyUsed,
    vocabulary_coverage: ratio(vocabularyUsed, vocabulary.size),
  };
}
