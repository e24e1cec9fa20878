/**
 * What `rhythmix inspect` shows about a piece read from MIDI: tracks with their General MIDI
 * instruments, tempo and metre maps, length in seconds and bars, and the estimated key.
 *
 * Bounded whatever the file holds (docs/reliability.md): names are cut and cleaned of control
 * characters, and the lists keep their first entries with the full counts beside them, so the
 * summary stays a few dozen KB even for a file of 256 tracks with 20,000 tempo changes.
 */
import { barCount, beatsToSeconds, pieceLengthBeats, type Piece } from '../music/piece.js';
import { estimateKey } from '../music/key.js';
import { displayName } from '../util/text.js';
import { gmInstrumentName } from './gm.js';

/** How much of a piece a summary lists. */
export const SUMMARY_LIMITS = Object.freeze({
  /** Characters of a track name or title. */
  nameChars: 64,
  /** Tracks listed (all are counted). */
  tracks: 64,
  /** Tempo changes and time-signature changes listed, each (all are counted). */
  changes: 100,
});

export interface TrackSummary {
  readonly index: number;
  readonly name: string;
  readonly program: number;
  /** GM instrument name, or "drums" for a drum track. */
  readonly instrument: string;
  readonly drum: boolean;
  readonly notes: number;
  readonly lowest_pitch: number;
  readonly highest_pitch: number;
}

export interface PieceSummary {
  readonly title?: string;
  /** The first SUMMARY_LIMITS.tracks tracks. */
  readonly tracks: readonly TrackSummary[];
  /** All tracks. */
  readonly track_count: number;
  /** Notes in all tracks. */
  readonly notes: number;
  /** Tempo at the start, in BPM. */
  readonly tempo: number;
  /** The first SUMMARY_LIMITS.changes entries of the tempo map. */
  readonly tempos: ReadonlyArray<{ readonly beat: number; readonly bpm: number }>;
  /** Entries in the whole tempo map. */
  readonly tempo_count: number;
  /** Time signature at the start, e.g. "6/8". */
  readonly time_signature: string;
  /** The first SUMMARY_LIMITS.changes entries of the time-signature map. */
  readonly time_signatures: ReadonlyArray<{ readonly beat: number; readonly time_signature: string }>;
  /** Entries in the whole time-signature map. */
  readonly time_signature_count: number;
  readonly seconds: number;
  readonly beats: number;
  readonly bars: number;
  /** Estimated key, e.g. "D minor" (null when no pitched notes). */
  readonly key: string | null;
  /** How well the pitch content fits that key, 0..1. */
  readonly key_confidence: number | null;
}

const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

export function summarizePiece(piece: Piece): PieceSummary {
  const tracks = piece.tracks.slice(0, SUMMARY_LIMITS.tracks).map((track, index): TrackSummary => {
    // A loop, not Math.min(...pitches): spreading 100,000 arguments overflows the stack.
    let lowest = 127;
    let highest = 0;
    for (const note of track.notes) {
      lowest = Math.min(lowest, note.pitch);
      highest = Math.max(highest, note.pitch);
    }
    return {
      index,
      name: displayName(track.name, SUMMARY_LIMITS.nameChars),
      program: track.program,
      instrument: track.isDrum ? 'drums' : gmInstrumentName(track.program),
      drum: track.isDrum,
      notes: track.notes.length,
      lowest_pitch: lowest,
      highest_pitch: highest,
    };
  });
  const beats = pieceLengthBeats(piece);
  const key = estimateKey(piece);
  const first = piece.timeSignatures[0];
  return {
    ...(piece.title === undefined ? {} : { title: displayName(piece.title, SUMMARY_LIMITS.nameChars) }),
    tracks,
    track_count: piece.tracks.length,
    notes: piece.tracks.reduce((sum, track) => sum + track.notes.length, 0),
    tempo: round(piece.tempos[0]?.bpm ?? 120, 2),
    tempos: piece.tempos.slice(0, SUMMARY_LIMITS.changes).map((t) => ({ beat: round(t.time), bpm: round(t.bpm, 2) })),
    tempo_count: piece.tempos.length,
    time_signature: first === undefined ? '4/4' : `${first.numerator}/${first.denominator}`,
    time_signatures: piece.timeSignatures
      .slice(0, SUMMARY_LIMITS.changes)
      .map((t) => ({ beat: round(t.time), time_signature: `${t.numerator}/${t.denominator}` })),
    time_signature_count: piece.timeSignatures.length,
    seconds: round(beatsToSeconds(piece, beats), 2),
    beats: round(beats),
    bars: barCount(piece),
    key: key?.name ?? null,
    key_confidence: key === undefined ? null : round(key.confidence, 2),
  };
}
