/**
 * The sheet music of a stored piece (docs/score.md): every piece the bot composes is engraved
 * (piece.musicxml, score.png in pieces/<id>/), shown to whoever presses Score — ephemerally, so
 * a channel is not filled with copies — or attached to the result message itself when
 * `/compose score:true` (or `/harmonize score:true`) asked for it.
 */
import type { StoredPiece } from '../../db/pieces.js';
import { scoreFiles } from '../../app/piece-score.js';
import { attachmentNames } from './embed.js';

/** The score as message attachments (PNG first: Discord shows it), or none. */
export function scoreAttachments(piece: StoredPiece): Array<{ attachment: string; name: string }> {
  const files = scoreFiles(piece);
  if (!files) return [];
  const names = attachmentNames(piece.id);
  return [
    { attachment: files.png, name: names.score },
    { attachment: files.musicxml, name: names.musicxml },
  ];
}

/** True when the piece's request asked for the score on the result message (`score:true`). */
export function scoreAttachedToResult(piece: Pick<StoredPiece, 'parameters'>): boolean {
  const request = piece.parameters.request;
  return typeof request === 'object' && request !== null && !Array.isArray(request) && (request as Record<string, unknown>).score === true;
}

/** The Score button's answer text: what the picture is and where the rest of the score is. */
export function scoreReplyText(pieceId: number): string {
  return `🎼 Score of piece #${pieceId} — the first page; the whole piece is in the MusicXML file (MuseScore, Finale, Sibelius, Dorico open it).`;
}

/** The Score button on a piece without a score (composed before scores existed). */
export function scoreMissingText(pieceId: number): string {
  return `Piece #${pieceId} has no stored score (it was composed before the bot engraved scores) — Re-roll or Variation makes a new take with one.`;
}
