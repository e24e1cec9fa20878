/**
 * Track selection for multi-track pieces (the game soundtracks have up to 16 instruments; the
 * model's language keeps a few).
 *
 * Rule, deterministic for a given file:
 * 1. All drum tracks are merged into one (General MIDI percussion shares channel 10 anyway).
 * 2. Pitched tracks are ranked by note count, then by total sounding time (sum of durations),
 *    then by their order in the file; the first `maxInstruments` are kept. Note count is a
 *    proxy for how much of the texture a track carries: melody, bass and accompaniment parts
 *    are busy, while sustained pads and effect tracks are sparse.
 * 3. Kept tracks stay in their original order, the drum track last.
 */
import { compareNotes, type Piece, type Track } from '../music/piece.js';

export interface TrackSelectionOptions {
  /** Pitched (non-drum) tracks to keep. */
  readonly maxInstruments: number;
  /** Keep the (merged) drum track. */
  readonly keepDrums: boolean;
}

function totalDuration(track: Track): number {
  return track.notes.reduce((sum, note) => sum + note.duration, 0);
}

export function mergeDrumTracks(drums: readonly Track[]): Track | undefined {
  if (drums.length === 0) return undefined;
  if (drums.length === 1) return drums[0];
  return {
    name: 'drums',
    program: 0,
    isDrum: true,
    notes: drums.flatMap((track) => track.notes).sort(compareNotes),
  };
}

export function selectTracks(piece: Piece, options: TrackSelectionOptions): Piece {
  const pitched = piece.tracks.map((track, index) => ({ track, index })).filter(({ track }) => !track.isDrum);
  const ranked = [...pitched].sort(
    (a, b) => b.track.notes.length - a.track.notes.length || totalDuration(b.track) - totalDuration(a.track) || a.index - b.index,
  );
  const kept = ranked
    .slice(0, options.maxInstruments)
    .sort((a, b) => a.index - b.index)
    .map(({ track }) => track);
  const drums = options.keepDrums ? mergeDrumTracks(piece.tracks.filter((t) => t.isDrum)) : undefined;
  return { ...piece, tracks: drums === undefined ? kept : [...kept, drums] };
}
