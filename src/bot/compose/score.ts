/**
 * The sheet music of a stored piece (docs/score.md): every piece the bot composes is engraved
 * (piece.musicxml, score.png in pieces/<id>/), shown to whoever presses Score — ephemerally, so
 * a channel is not filled with copies — or attached to the result message itself when
 * `/compose score:true` (or `/harmonize score:true`) asked for it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { StoredPiece } from '../../db/pieces.js';
import type { JsonObject } from '../../db/encoding.js';
import { attachmentNames } from './embed.js';

/** What a piece stores of its score: the files' names in its folder (beside piece.mid). */
export function scoreParameters(summary: { readonly scorePng?: string; readonly musicxml?: string }): JsonObject {
  return summary.scorePng && summary.musicxml ? { score: { png: path.basename(summary.scorePng), musicxml: path.basename(summary.musicxml) } } : {};
}

/** The score's files of a stored piece, when it has them and they are still on disk. */
export function scoreFiles(piece: Pick<StoredPiece, 'midiPath' | 'parameters'>): { png: string; musicxml: string } | undefined {
  const stored = piece.parameters.score;
  if (!piece.midiPath || typeof stored !== 'object' || stored === null || Array.isArray(stored)) return undefined;
  const { png, musicxml } = stored as Record<string, unknown>;
  if (typeof png !== 'string' || typeof musicxml !== 'string') return undefined;
  const dir = path.dirname(piece.midiPath);
  const files = { png: path.join(dir, path.basename(png)), musicxml: path.join(dir, path.basename(musicxml)) };
  return existsSync(files.png) && existsSync(files.musicxml) ? files : undefined;
}

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
