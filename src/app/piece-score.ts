/**
 * Where a stored piece's sheet music lives (docs/score.md): the names of score.png and
 * piece.musicxml in its parameters, the files beside piece.mid in pieces/<id>/. The bot's Score
 * button and the web's piece view both read them from here.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { JsonObject, StoredPiece } from '../db/index.js';

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
  // basename: a stored name never leads out of the piece's own folder.
  const dir = path.dirname(piece.midiPath);
  const files = { png: path.join(dir, path.basename(png)), musicxml: path.join(dir, path.basename(musicxml)) };
  return existsSync(files.png) && existsSync(files.musicxml) ? files : undefined;
}
