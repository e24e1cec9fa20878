/**
 * Degenerate generated pieces (issue #13): the failures a listener hears at once, whatever the
 * feature statistics say. Pure: a Piece in, the reasons out (none for a healthy piece).
 *
 * Rules:
 *
 * - `no-notes`: the piece has no notes at all.
 * - `one-pitch`: one pitch carries at least 90 % of the pitched (non-drum) notes — the piece is
 *   one repeated note (or nearly: a stray note or two does not save it).
 * - `empty-track`: fewer tracks have notes than were requested: each requested track index
 *   without notes (missing, or present but empty) is named. Checked only when the caller says how
 *   many tracks it asked for.
 * - `silence`: more than half of the piece's length has no note sounding (any track, drums
 *   included: a drum hit sounds for its written length). The length is the requested one when
 *   given (compose asks for a number of beats), else the piece up to the bar line after its
 *   last note.
 *
 *     degenerateReasons(oneNoteRepeated, { requestedTracks: 2 })
 *     // [{ rule: 'one-pitch', detail: '100 % of 32 notes are pitch 60' }, …]
 */
import { endOnBarLine, type Piece } from './piece.js';

export const DEGENERATE_RULES = ['no-notes', 'one-pitch', 'empty-track', 'silence'] as const;
export type DegenerateRule = (typeof DEGENERATE_RULES)[number];

/** Share of the pitched notes on one pitch from which a piece is "one repeated note". */
export const ONE_PITCH_SHARE = 0.9;
/** Share of the length without a sounding note above which a piece is mostly silence. */
export const SILENCE_SHARE = 0.5;

export interface DegenerateReason {
  readonly rule: DegenerateRule;
  /** What was measured, for reports. */
  readonly detail: string;
}

export interface DegenerateOptions {
  /** Tracks the compose request asked for; each must have notes. */
  requestedTracks?: number;
  /** Length the piece was asked to have, in quarter notes. */
  lengthBeats?: number;
}

const percent = (share: number): string => `${Math.round(share * 100)} %`;

/** The most frequent pitch of the pitched notes and its share, or undefined without pitched notes. */
export function dominantPitch(piece: Piece): { pitch: number; share: number; notes: number } | undefined {
  const counts = new Map<number, number>();
  let notes = 0;
  for (const track of piece.tracks) {
    if (track.isDrum) continue;
    for (const note of track.notes) {
      counts.set(note.pitch, (counts.get(note.pitch) ?? 0) + 1);
      notes++;
    }
  }
  let best: { pitch: number; count: number } | undefined;
  for (const [pitch, count] of counts) if (best === undefined || count > best.count) best = { pitch, count };
  return best === undefined ? undefined : { pitch: best.pitch, share: best.count / notes, notes };
}

/** Beats within [0, length) during which some note sounds (all tracks, overlaps merged). */
export function soundingBeats(piece: Piece, length: number): number {
  const spans = piece.tracks
    .flatMap((t) => t.notes.map((n) => [Math.max(0, n.start), Math.min(length, n.start + n.duration)] as const))
    .filter(([start, end]) => end > start)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let coveredTo = 0;
  for (const [start, end] of spans) {
    if (end <= coveredTo) continue;
    total += end - Math.max(start, coveredTo);
    coveredTo = end;
  }
  return total;
}

/** Why the piece is degenerate (see the module comment); empty for a healthy piece. */
export function degenerateReasons(piece: Piece, options: DegenerateOptions = {}): DegenerateReason[] {
  const reasons: DegenerateReason[] = [];
  if (piece.tracks.every((t) => t.notes.length === 0)) reasons.push({ rule: 'no-notes', detail: 'no notes' });

  const dominant = dominantPitch(piece);
  if (dominant !== undefined && dominant.share >= ONE_PITCH_SHARE) {
    reasons.push({ rule: 'one-pitch', detail: `${percent(dominant.share)} of ${dominant.notes} notes are pitch ${dominant.pitch}` });
  }

  if (options.requestedTracks !== undefined) {
    const empty = Array.from({ length: options.requestedTracks }, (_, i) => i).filter((i) => (piece.tracks[i]?.notes.length ?? 0) === 0);
    if (empty.length > 0) {
      reasons.push({
        rule: 'empty-track',
        detail: `track${empty.length > 1 ? 's' : ''} ${empty.map((i) => i + 1).join(', ')} of ${options.requestedTracks} without notes`,
      });
    }
  }

  const length = options.lengthBeats ?? endOnBarLine(piece);
  if (length > 0) {
    const silent = 1 - soundingBeats(piece, length) / length;
    if (silent > SILENCE_SHARE) reasons.push({ rule: 'silence', detail: `${percent(silent)} of ${length} beats silent` });
  }
  return reasons;
}
