/**
 * The playground's API: compose from the form, poll the job, read a piece, and ask for its
 * Variation, Continuation or Re-roll (src/app/lineage.ts, as the bot's buttons do). Composes have
 * their own, tighter rate limit; the queue's per-client limit (QUEUE_PER_USER) applies on top.
 */
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { scoreFiles } from '../app/piece-score.js';
import { continuationRequest, rerollRequest, variationRequest, type PieceRequest } from '../app/lineage.js';
import { INSTRUMENT_PROGRAMS } from '../compose/instruments.js';
import { METER_NAMES } from '../compose/options.js';
import type { RatingWeights } from '../config/index.js';
import { getPiece, isPublicPiece, scoresOf, WEB_PLAYGROUND_ID, type PrismaClient, type StoredPiece } from '../db/index.js';
import { QueueFullError } from '../jobs/errors.js';
import { FORM_HELP, NAMED_FORMS } from '../music/form.js';
import { STYLES } from '../music/styles.js';
import { InvalidInputError } from '../util/errors.js';
import { composeInputFromForm, FormError, PLAYGROUND_LIMITS } from './compose-form.js';
import { publicErrorText, type WebComposeJobs } from './compose-jobs.js';
import { publicPiece } from './public-piece.js';

export interface PlaygroundRouteOptions {
  readonly prisma: PrismaClient;
  readonly jobs: WebComposeJobs;
  readonly ratingWeights: RatingWeights;
}

/** Composes (new, variation, continuation, re-roll) per minute one client address may ask for. */
export const COMPOSES_PER_MINUTE = 10;
const COMPOSE_RATE = { rateLimit: { max: COMPOSES_PER_MINUTE, timeWindow: 60_000 } };
const pieceParams = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 31 - 1),
});
/** Forms the page suggests (any other the form check accepts works too). */
const SUGGESTED_FORMS = ['AABA', 'ABAB', 'AABB', 'ABA', ...Object.keys(NAMED_FORMS)];
const LINEAGE_ACTIONS = { variation: variationRequest, continuation: continuationRequest, reroll: rerollRequest } as const;

/** The piece when a page may show it, else undefined (absent and private look the same). */
export async function findPublicPiece(prisma: PrismaClient, params: unknown): Promise<StoredPiece | undefined> {
  const parsed = pieceParams.safeParse(params);
  if (!parsed.success) return undefined;
  const piece = await getPiece(prisma, parsed.data.id);
  return piece && (await isPublicPiece(prisma, piece)) ? piece : undefined;
}

/** The file a piece's URL names (publicPiece gives these URLs), or undefined: names are matched, never used as paths. */
function pieceFile(piece: StoredPiece, file: string): { path: string; download?: string } | undefined {
  const own = (column: string | null) => (column ? { path: column } : undefined);
  if (file === 'audio.ogg') return own(piece.audioPath);
  if (file === 'pianoroll.png') return own(piece.imagePath);
  if (file === `piece-${piece.id}.mid`) return piece.midiPath ? { path: piece.midiPath, download: file } : undefined;
  if (file === 'score.png') return own(scoreFiles(piece)?.png ?? null);
  if (file === `piece-${piece.id}.musicxml`) {
    const musicxml = scoreFiles(piece)?.musicxml;
    return musicxml ? { path: musicxml, download: file } : undefined;
  }
  return undefined;
}

async function submit(reply: FastifyReply, jobs: WebComposeJobs, request: PieceRequest, client: string) {
  try {
    return reply.code(202).send(await jobs.submit(request, client));
  } catch (error) {
    if (error instanceof QueueFullError) return reply.code(429).header('retry-after', String(error.retryAfterSeconds)).send({ error: error.message });
    throw error;
  }
}

export function registerPlaygroundRoutes(app: FastifyInstance, options: PlaygroundRouteOptions): void {
  const { prisma, jobs } = options;

  app.get('/api/options', async () => ({
    styles: STYLES,
    instruments: Object.keys(INSTRUMENT_PROGRAMS),
    limits: PLAYGROUND_LIMITS,
    meters: METER_NAMES,
    forms: SUGGESTED_FORMS,
    formHelp: FORM_HELP,
  }));

  app.post('/api/compose', { config: COMPOSE_RATE }, async (request, reply) => {
    let input;
    try {
      input = await composeInputFromForm(request.body ?? {});
    } catch (error) {
      if (error instanceof FormError) return reply.code(400).send({ error: error.problem.message, ...error.problem });
      throw error;
    }
    return submit(reply, jobs, { kind: 'original', input, play: false }, request.ip);
  });

  app.get('/api/jobs/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const view = jobs.view(id);
    return view ? view : reply.code(404).send({ error: 'no such job (jobs are kept 15 minutes after they end)' });
  });

  app.get('/api/pieces/:id', async (request, reply) => {
    const piece = await findPublicPiece(prisma, request.params);
    if (!piece) return reply.code(404).send({ error: 'no such piece' });
    const score = (await scoresOf(prisma, [piece.id], options.ratingWeights)).get(piece.id);
    return publicPiece(piece, { score: score?.score ?? 0, voters: score?.voters ?? 0 });
  });

  // Variation / Continue / Re-roll of a playground piece (gallery pieces stay read-only).
  app.post('/api/pieces/:id/:action', { config: COMPOSE_RATE }, async (request, reply) => {
    const action = (request.params as { action: string }).action;
    if (!Object.hasOwn(LINEAGE_ACTIONS, action)) return reply.code(404).send({ error: 'not found' });
    const piece = await findPublicPiece(prisma, request.params);
    if (!piece || piece.guildId !== WEB_PLAYGROUND_ID) return reply.code(404).send({ error: 'no such playground piece' });
    let pieceRequest: PieceRequest;
    try {
      pieceRequest = LINEAGE_ACTIONS[action as keyof typeof LINEAGE_ACTIONS](piece, false);
    } catch (error) {
      if (error instanceof InvalidInputError) return reply.code(400).send({ error: publicErrorText(error) });
      throw error;
    }
    return submit(reply, jobs, pieceRequest, request.ip);
  });

  // A piece's files (audio, piano roll, MIDI, score picture, MusicXML) by the piece's id, only for pieces a page may show.
  app.get('/pieces/:id/:file', async (request, reply) => {
    const file = (request.params as { file: string }).file;
    const piece = await findPublicPiece(prisma, request.params);
    const found = piece ? pieceFile(piece, file) : undefined;
    if (!piece || !found) return reply.callNotFound();
    if (found.download) reply.header('content-disposition', `attachment; filename="${found.download}"`);
    return reply.sendFile(path.basename(found.path), path.dirname(found.path));
  });
}
