/**
 * What `rhythmix inspect` shows about a piece read from MIDI: tracks with their General MIDI
 * instruments, tempo and metre maps, length in seconds and bars, and the estimated key.
 */
import { barCount, beatsToSeconds, pieceLengthBeats, type Piece } from '../music/piece.js';
import { estimateKey } from '../music/key.js';
import { gmInstrumentName } from './gm.js';

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
  readonly tracks: readonly TrackSummary[];
  readonly notes: number;
  /** Tempo at the start, in BPM. */
  readonly tempo: number;
  readonly tempos: ReadonlyArray<{ readonly beat: number; readonly bpm: number }>;
  /** Time signature at the start, e.g. "6/8". */
  readonly time_signature: string;
  readonly time_signatures: ReadonlyArray<{ readonly beat: number; readonly time_signature: string }>;
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
  const tracks = piece.tracks.map((track, index): TrackSummary => {
    // A loop, not Math.min(...pitches): spreading 100,000 arguments overflows the stack.
    let lowest = 127;
    let highest = 0;
    for (const note of track.notes) {
      lowest = Math.min(lowest, note.pitch);
      highest = Math.max(highest, note.pitch);
    }
    return {
      index,
      name: track.name,
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
    ...(piece.title === undefined ? {} : { title: piece.title }),
    tracks,
    notes: tracks.reduce((sum, track) => sum + track.notes, 0),
    tempo: round(piece.tempos[0]?.bpm ?? 120, 2),
    tempos: piece.tempos.map((t) => ({ beat: round(t.time), bpm: round(t.bpm, 2) })),
    time_signature: first === undefined ? '4/4' : `${first.numerator}/${first.denominator}`,
    time_signatures: piece.timeSignatures.map((t) => ({ beat: round(t.time), time_signature: `${t.numerator}/${t.denominator}` })),
    seconds: round(beatsToSeconds(piece, beats), 2),
    beats: round(beats),
    bars: barCount(piece),
    key: key?.name ?? null,
    key_confidence: key === undefined ? null : round(key.confidence, 2),
  };
}
