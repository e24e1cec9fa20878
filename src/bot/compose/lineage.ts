/**
 * What the Variation, Continue and Re-roll buttons ask for, derived from a stored piece:
 * - Variation: the same seed and settings in the key and tempo the piece came out in — a new take.
 * - Re-roll: exactly the original request again — for a take that went wrong.
 * - Continue: the whole piece becomes the seed and as many bars again are added (anyone may
 *   continue anyone's piece).
 */
import path from 'node:path';
import type { StoredPiece } from '../../db/pieces.js';
import { InvalidInputError } from '../../util/errors.js';
import type { ComposeJobRequest } from './service.js';
import type { ComposeRequestInput } from './request.js';

/** Bars a continuation adds when the piece does not say how many it added itself. */
export const DEFAULT_CONTINUE_BARS = 4;
/** The pipeline reads at most this many seed bars from a MIDI file. */
const MAX_SEED_BARS = 64;

function storedRequest(piece: StoredPiece): ComposeRequestInput {
  const request = piece.parameters.request;
  if (request === null || typeof request !== 'object' || Array.isArray(request)) return { style: piece.style };
  const out: ComposeRequestInput = {};
  for (const [key, value] of Object.entries(request)) {
    if (typeof value === 'string' || typeof value === 'number') out[key] = value;
    else if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string')) out[key] = value;
  }
  return out;
}

/** The MIDI seed a piece was made from (kept in its folder), if any. */
function storedSeedFile(piece: StoredPiece): { path: string; name: string } | undefined {
  const file = piece.parameters.midiSeed;
  if (typeof file !== 'string' || !piece.midiPath) return undefined;
  const name = typeof piece.parameters.midiName === 'string' ? piece.parameters.midiName : file;
  return { path: path.join(path.dirname(piece.midiPath), path.basename(file)), name };
}

export function variationRequest(piece: StoredPiece, play: boolean): ComposeJobRequest {
  const request = storedRequest(piece);
  const midi = storedSeedFile(piece);
  return {
    kind: 'variation',
    parentId: piece.id,
    input: { ...request, style: piece.style, ...(piece.key ? { key: piece.key } : {}), ...(piece.tempo ? { tempo: Math.round(piece.tempo) } : {}) },
    ...(midi ? { midi } : {}),
    play,
  };
}

export function rerollRequest(piece: StoredPiece, play: boolean): ComposeJobRequest {
  const midi = storedSeedFile(piece);
  return { kind: 'reroll', parentId: piece.id, input: storedRequest(piece), ...(midi ? { midi } : {}), play };
}

export function continuationRequest(piece: StoredPiece, play: boolean): ComposeJobRequest {
  if (!piece.midiPath || !piece.bars) throw new InvalidInputError(`piece #${piece.id} has no MIDI file to continue`);
  const { seed: _seed, bars: _bars, seedBars: _seedBars, ...request } = storedRequest(piece);
  const added = typeof piece.parameters.addedBars === 'number' && piece.parameters.addedBars > 0 ? piece.parameters.addedBars : DEFAULT_CONTINUE_BARS;
  const seedBars = Math.min(piece.bars, MAX_SEED_BARS);
  return {
    kind: 'continuation',
    parentId: piece.id,
    input: { ...request, style: piece.style, ...(piece.tempo ? { tempo: Math.round(piece.tempo) } : {}), seedBars, bars: seedBars + added },
    midi: { path: piece.midiPath, name: `piece-${piece.id}.mid` },
    play,
  };
}
