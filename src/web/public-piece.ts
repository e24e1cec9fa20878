/**
 * A piece as pages and the API show it: a whitelist of fields. No user, channel or message ids,
 * no file paths, no tokens — the maker by display name only, files by the piece's own URLs.
 */
import { scoreFiles } from '../app/piece-score.js';
import type { GalleryPiece, JsonValue, LineageNode, StoredPiece } from '../db/index.js';

export interface PublicPiece {
  readonly id: number;
  readonly kind: StoredPiece['kind'];
  readonly parentId: number | null;
  readonly style: string;
  readonly key: string | null;
  readonly tempo: number | null;
  readonly bars: number | null;
  readonly seconds: number | null;
  readonly instruments: string[];
  /** The seed notes it was asked for, when given as text. */
  readonly seed: string | null;
  readonly createdAt: string;
  readonly maker: string | null;
  readonly score: number;
  readonly voters: number;
  readonly audio: string | null;
  readonly image: string | null;
  readonly midi: string | null;
  /** Sheet music (docs/score.md): the first page as a picture and the whole score as MusicXML, when the piece has them. */
  readonly scoreImage: string | null;
  readonly musicxml: string | null;
  /** The time signature and form it was asked for, if any. */
  readonly meter: string | null;
  readonly form: string | null;
  /** The originality check (docs/originality.md): null for a piece stored before it; bars null = unknown (no index). */
  readonly originality: { readonly longestCopiedBars: number | null } | null;
}

export interface PublicLineageNode {
  readonly piece: PublicPiece;
  readonly children: PublicLineageNode[];
}

function rounded(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10) / 10;
}

function requested(piece: StoredPiece, field: string): string | null {
  const request = piece.parameters.request;
  const value: JsonValue | undefined = request !== null && typeof request === 'object' && !Array.isArray(request) ? request[field] : undefined;
  return typeof value === 'string' ? value : null;
}

function originality(piece: StoredPiece): PublicPiece['originality'] {
  if (!('longestCopiedBars' in piece.parameters)) return null;
  const bars = piece.parameters.longestCopiedBars;
  return { longestCopiedBars: typeof bars === 'number' ? bars : null };
}

export function publicPiece(piece: StoredPiece, extra: Partial<Pick<GalleryPiece, 'makerName' | 'score' | 'voters'>> = {}): PublicPiece {
  const seconds = piece.parameters.seconds;
  const tracks = piece.parameters.tracks;
  return {
    id: piece.id,
    kind: piece.kind,
    parentId: piece.parentId,
    style: piece.style,
    key: piece.key,
    tempo: rounded(piece.tempo),
    bars: piece.bars,
    seconds: typeof seconds === 'number' ? rounded(seconds) : null,
    instruments: Array.isArray(tracks) ? tracks.filter((t): t is string => typeof t === 'string') : [],
    seed: piece.seed,
    createdAt: piece.createdAt.toISOString(),
    maker: extra.makerName ?? null,
    score: extra.score ?? 0,
    voters: extra.voters ?? 0,
    audio: piece.audioPath ? `/pieces/${piece.id}/audio.ogg` : null,
    image: piece.imagePath ? `/pieces/${piece.id}/pianoroll.png` : null,
    midi: piece.midiPath ? `/pieces/${piece.id}/piece-${piece.id}.mid` : null,
    ...(scoreFiles(piece)
      ? { scoreImage: `/pieces/${piece.id}/score.png`, musicxml: `/pieces/${piece.id}/piece-${piece.id}.musicxml` }
      : { scoreImage: null, musicxml: null }),
    meter: requested(piece, 'meter'),
    form: requested(piece, 'form'),
    originality: originality(piece),
  };
}

export function publicGalleryPiece(entry: GalleryPiece): PublicPiece {
  return publicPiece(entry.piece, entry);
}

export function publicLineage(node: LineageNode): PublicLineageNode {
  return { piece: publicGalleryPiece(node.piece), children: node.children.map(publicLineage) };
}
