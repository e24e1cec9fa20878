/**
 * What the Variation, Continue and Re-roll buttons ask for, derived from a stored piece:
 * - Variation: keeps the piece's opening — its first half (at least its seed notes' bars), read
 *   from its MIDI file — and composes the rest anew with a new sampling seed: same length, style,
 *   instruments, key (the opening's key signature) and tempo. A piece too short to halve (or without its MIDI file) gets a new
 *   take of its request instead.
 * - Re-roll: the original request (seed notes and settings) with a new sampling seed — a new take
 *   (of a harmonization: the melody harmonized again).
 * - Continue: the whole piece becomes the seed notes and as many bars again are added (anyone may
 *   continue anyone's piece).
 * The sampling seed of each request is set here, fresh and never the parent's; the stored request
 * of the parent may name one (/compose sample_seed), which a button therefore never replays.
 */
import path from 'node:path';
import { randomSamplingSeed } from '../compose/options.js';
import type { PieceKind, StoredPiece } from '../db/pieces.js';
import { InvalidInputError } from '../util/errors.js';

/** A JSON-safe compose request: what is stored with a piece and replayed by its buttons. */
export type ComposeRequestInput = Record<string, string | number | boolean | string[]>;

/** A new piece asked for from a stored one (the Discord buttons, the web playground's). */
export interface PieceRequest {
  readonly kind: PieceKind;
  /** The use case the job runs: compose (default) or harmonize (a harmonization's re-roll). */
  readonly useCase?: 'compose' | 'harmonize';
  readonly parentId?: number;
  /** The compose options (no midi/outDir/model); stored with the piece and replayed by buttons. */
  readonly input: ComposeRequestInput;
  /** A stored MIDI file that seeds it: the parent's, or the parent's own MIDI seed. */
  readonly midi?: { readonly path: string; readonly name: string };
  /** Play it in voice as well (the bot's; false elsewhere). */
  readonly play: boolean;
}

/** Bars a continuation adds when the piece does not say how many it added itself. */
export const DEFAULT_CONTINUE_BARS = 4;
/** The pipeline reads at most this many seed bars from a MIDI file. */
const MAX_SEED_BARS = 64;

function storedRequest(piece: StoredPiece): ComposeRequestInput {
  const request = piece.parameters.request;
  if (request === null || typeof request !== 'object' || Array.isArray(request)) return { style: piece.style };
  const out: ComposeRequestInput = {};
  for (const [key, value] of Object.entries(request)) {
    // A button makes one piece, also from a take of a two-take request.
    if (key === 'takes') continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
    else if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string')) out[key] = value;
  }
  return out;
}

/** A random sampling seed other than the parent's: a button's take is never the parent again. */
function newSamplingSeed(parent: StoredPiece): number {
  for (;;) {
    const samplingSeed = randomSamplingSeed();
    if (samplingSeed !== parent.samplingSeed) return samplingSeed;
  }
}

/** The piece's request without what a button sets itself: seed notes, length and sampling seed. */
function requestWithoutSeeds(piece: StoredPiece): ComposeRequestInput {
  const { seed: _seedNotes, bars: _bars, seconds: _seconds, seedBars: _seedBars, samplingSeed: _samplingSeed, ...request } = storedRequest(piece);
  return request;
}

/** Bars of a piece a Variation keeps: the first half, at least the seed notes' bars, and at least one bar composed anew. */
export function themeBars(piece: Pick<StoredPiece, 'bars' | 'parameters'>): number {
  const bars = piece.bars ?? 0;
  const seedBars = typeof piece.parameters.seedBars === 'number' ? piece.parameters.seedBars : 0;
  return Math.max(0, Math.min(MAX_SEED_BARS, bars - 1, Math.max(Math.floor(bars / 2), seedBars)));
}

/** The MIDI seed a piece was made from (kept in its folder), if any. */
function storedSeedFile(piece: StoredPiece): { path: string; name: string } | undefined {
  const file = piece.parameters.midiSeed;
  if (typeof file !== 'string' || !piece.midiPath) return undefined;
  const name = typeof piece.parameters.midiName === 'string' ? piece.parameters.midiName : file;
  return { path: path.join(path.dirname(piece.midiPath), path.basename(file)), name };
}

export function variationRequest(piece: StoredPiece, play: boolean): PieceRequest {
  const keep = themeBars(piece);
  // The key comes with the kept opening (its MIDI key signature) or, if the parent's request named
  // one, with that request; passing the piece's key here would turn a drawn key into a hard mask.
  const settings = { style: piece.style, ...(piece.tempo ? { tempo: Math.round(piece.tempo) } : {}) };
  if (!piece.midiPath || !piece.bars || keep < 1) {
    const midi = storedSeedFile(piece);
    return {
      kind: 'variation',
      parentId: piece.id,
      input: { ...storedRequest(piece), ...settings, samplingSeed: newSamplingSeed(piece) },
      ...(midi ? { midi } : {}),
      play,
    };
  }
  return {
    kind: 'variation',
    parentId: piece.id,
    input: { ...requestWithoutSeeds(piece), ...settings, seedBars: keep, bars: piece.bars, samplingSeed: newSamplingSeed(piece) },
    midi: { path: piece.midiPath, name: `piece-${piece.id}.mid` },
    play,
  };
}

export function rerollRequest(piece: StoredPiece, play: boolean): PieceRequest {
  const midi = storedSeedFile(piece);
  // A harmonization's new take harmonizes its melody again.
  const useCase = piece.parameters.useCase === 'harmonize' ? ({ useCase: 'harmonize' } as const) : {};
  return {
    kind: 'reroll',
    parentId: piece.id,
    ...useCase,
    input: { ...storedRequest(piece), samplingSeed: newSamplingSeed(piece) },
    ...(midi ? { midi } : {}),
    play,
  };
}

export function continuationRequest(piece: StoredPiece, play: boolean): PieceRequest {
  if (!piece.midiPath || !piece.bars) throw new InvalidInputError(`piece #${piece.id} has no MIDI file to continue`);
  const request = requestWithoutSeeds(piece);
  const added = typeof piece.parameters.addedBars === 'number' && piece.parameters.addedBars > 0 ? piece.parameters.addedBars : DEFAULT_CONTINUE_BARS;
  const seedBars = Math.min(piece.bars, MAX_SEED_BARS);
  return {
    kind: 'continuation',
    parentId: piece.id,
    input: {
      ...request,
      style: piece.style,
      ...(piece.tempo ? { tempo: Math.round(piece.tempo) } : {}),
      seedBars,
      bars: seedBars + added,
      samplingSeed: newSamplingSeed(piece),
    },
    midi: { path: piece.midiPath, name: `piece-${piece.id}.mid` },
    play,
  };
}
