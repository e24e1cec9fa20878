/**
 * A piece as pages and the API show it: a whitelist of fields. No user, channel or message ids,
 * no file paths, no tokens — the maker by display name only, files by the piece's own URLs.
 */
import type { GalleryPiece, LineageNode, StoredPiece } from '../db/index.js';

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
  // Sheet music (score.png / MusicXML), once pieces have it: its URL goes here, served like the others.
}

export interface PublicLineageNode {
  readonly piece: PublicPiece;
  readonly children: PublicLineageNode[];
}

function rounded(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10) / 10;
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
  };
}

export function publicGalleryPiece(entry: GalleryPiece): PublicPiece {
  return publicPiece(entry.piece, entry);
}

export function publicLineage(node: LineageNode): PublicLineageNode {
  return { piece: publicGalleryPiece(node.piece), children: node.children.map(publicLineage) };
}
