/**
 * Where a stored piece's sheet music lives (docs/score.md): the names of score.png and
 * piece.musicxml in its parameters, the files beside piece.mid in pieces/<id>/. The bot's Score
 * button and the web's piece view both read them from here.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { JsonObject, StoredPiece } from '../db/index.js';

/** The name of a piece's engraved first page in its folder. */
export const SCORE_IMAGE_FILE = 'score.png';

/**
 * What a piece stores of its score: the files' names in its folder (beside piece.mid). A compose
 * that left score.png for later (`scorePreview`) names it too: it is being engraved.
 */
export function scoreParameters(summary: { readonly scorePng?: string; readonly musicxml?: string }, engravingLater = false): JsonObject {
  const png = summary.scorePng ? path.basename(summary.scorePng) : engravingLater ? SCORE_IMAGE_FILE : undefined;
  return png && summary.musicxml ? { score: { png, musicxml: path.basename(summary.musicxml) } } : {};
}

/** Where a stored piece's score files are (or will be, while score.png is still being engraved). */
export function scorePaths(piece: Pick<StoredPiece, 'midiPath' | 'parameters'>): { png: string; musicxml: string } | undefined {
  const stored = piece.parameters.score;
  if (!piece.midiPath || typeof stored !== 'object' || stored === null || Array.isArray(stored)) return undefined;
  const { png, musicxml } = stored as Record<string, unknown>;
  if (typeof png !== 'string' || typeof musicxml !== 'string') return undefined;
  // basename: a stored name never leads out of the piece's own folder.
  const dir = path.dirname(piece.midiPath);
  return { png: path.join(dir, path.basename(png)), musicxml: path.join(dir, path.basename(musicxml)) };
}

/** The score's files of a stored piece, when it has them and they are on disk. */
export function scoreFiles(piece: Pick<StoredPiece, 'midiPath' | 'parameters'>): { png: string; musicxml: string } | undefined {
  const files = scorePaths(piece);
  return files && existsSync(files.png) && existsSync(files.musicxml) ? files : undefined;
}
