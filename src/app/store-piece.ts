/**
 * Storing a composed piece, for every edge that composes (the bot's /compose and buttons, the web
 * playground): its row with the parameters the lineage buttons read back, then its files moved
 * from the job's work folder to pieces/<id>/. One function, so the edges store the same fields.
 */
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { takeLetter } from '../compose/takes.js';
import { createPiece, updatePiece, type JsonObject, type Member, type PieceKind, type PrismaClient, type StoredPiece } from '../db/index.js';
import type { ComposeChildOutput } from './compose-job.js';
import type { ComposeRequestInput } from './lineage.js';
import { scoreParameters } from './piece-score.js';

/** The MIDI seed's file name in a job's (and then the piece's) folder. */
export const SEED_FILE = 'seed.mid';

/** What a piece was asked for: the parts of a compose request that its row keeps. */
export interface ComposedRequest {
  readonly kind: PieceKind;
  readonly useCase?: 'compose' | 'harmonize' | undefined;
  readonly parentId?: number | undefined;
  readonly input: ComposeRequestInput;
  /** The MIDI seed, by the name it was given (its file is SEED_FILE in the piece's folder). */
  readonly midi?: { readonly name: string } | undefined;
}

/** Who and where a piece was made for. */
export interface PieceOrigin {
  readonly guild: Member | null;
  readonly author: Member | null;
  readonly channelId?: string | null;
}

/** A take's own request: one take, its own sampling seed if one was asked for. */
function takeRequest(input: ComposeRequestInput, samplingSeed: number): ComposeRequestInput {
  const { takes: _takes, ...request } = input;
  return typeof request.samplingSeed === 'number' ? { ...request, samplingSeed } : request;
}

/**
 * The parameters a piece stores (take `take` of several, if given): its request and what the
 * compose reported; `engravingLater`: its score.png is engraved after it is stored (src/app/score-job.ts).
 */
export function pieceParameters(request: ComposedRequest, summary: ComposeChildOutput['summary'], take?: number, engravingLater = false): JsonObject {
  return {
    request: take === undefined ? request.input : takeRequest(request.input, summary.samplingSeed),
    ...(take === undefined ? {} : { take: takeLetter(take) }),
    seconds: summary.seconds,
    notes: summary.notes,
    seedBars: summary.seedBars,
    addedBars: Math.max(0, summary.bars - summary.seedBars),
    tracks: summary.tracks.map((t) => t.name),
    ...(request.midi ? { midiName: request.midi.name, midiSeed: SEED_FILE } : {}),
    ...(request.useCase === 'harmonize' ? { useCase: 'harmonize', melodyKept: summary.melodyKept ?? null } : {}),
    // The originality check (docs/originality.md): null bars = the model has no index.
    longestCopiedBars: summary.longestCopiedBars ?? null,
    originality: { copiedFrom: summary.originality?.copiedFrom ?? null, attempts: summary.originality?.attempts ?? 1, note: summary.originality?.note ?? null },
    ...scoreParameters(summary, engravingLater),
  };
}

export interface ComposedPiece {
  readonly request: ComposedRequest;
  readonly output: ComposeChildOutput;
  /** The folder holding the piece's files; it becomes pieces/<id>/. */
  readonly dir: string;
  readonly origin: PieceOrigin;
  /** Take index (0, 1) when the compose made several. */
  readonly take?: number | undefined;
}

/** Stores the piece and moves its files from `composed.dir` to `piecesDir`/<id>/. */
export async function storeComposedPiece(prisma: PrismaClient, piecesDir: string, composed: ComposedPiece): Promise<StoredPiece> {
  const { request, output, origin } = composed;
  const { summary, tokens } = output;
  const piece = await createPiece(prisma, {
    style: summary.style,
    seed: typeof request.input.seed === 'string' ? request.input.seed : null,
    samplingSeed: summary.samplingSeed,
    guild: origin.guild,
    author: origin.author,
    kind: request.kind,
    parentId: request.parentId ?? null,
    ...(origin.channelId !== undefined ? { channelId: origin.channelId } : {}),
    key: summary.key ?? null,
    tempo: summary.tempo,
    bars: summary.bars,
    modelVersion: summary.model,
    tokens,
    parameters: pieceParameters(request, summary, composed.take, output.scorePreview !== undefined),
  });
  const dir = path.join(piecesDir, String(piece.id));
  await rm(dir, { recursive: true, force: true });
  await rename(composed.dir, dir);
  return updatePiece(prisma, piece.id, {
    midiPath: path.join(dir, path.basename(summary.midi)),
    audioPath: path.join(dir, path.basename(summary.audio)),
    imagePath: path.join(dir, path.basename(summary.image)),
  });
}
