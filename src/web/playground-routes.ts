/**
 * The playground's API: compose from the form, poll the job, read a piece, and ask for its
 * Variation, Continuation or Re-roll (src/app/lineage.ts, as the bot's buttons do). Composes have
 * their own, tighter rate limit; the queue's per-client limit (QUEUE_PER_USER) applies on top.
 */
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { continuationRequest, rerollRequest, variationRequest, type PieceRequest } from '../app/lineage.js';
import { INSTRUMENT_PROGRAMS } from '../compose/instruments.js';
import type { RatingWeights } from '../config/index.js';
import { getPiece, isPublicPiece, scoresOf, WEB_PLAYGROUND_ID, type PrismaClient, type StoredPiece } from '../db/index.js';
import { QueueFullError } from '../jobs/errors.js';
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
const LINEAGE_ACTIONS = { variation: variationRequest, continuation: continuationRequest, reroll: rerollRequest } as const;

/** The piece when a page may show it, else undefined (absent and private look the same). */
export async function findPublicPiece(prisma: PrismaClient, params: unknown): Promise<StoredPiece | undefined> {
  const parsed = pieceParams.safeParse(params);
  if (!parsed.success) return undefined;
  const piece = await getPiece(prisma, parsed.data.id);
  return piece && (await isPublicPiece(prisma, piece)) ? piece : undefined;
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

  // A piece's files: audio, piano roll and MIDI, only for pieces a page may show.
  const FILES = { 'audio.ogg': 'audioPath', 'pianoroll.png': 'imagePath', midi: 'midiPath' } as const;
  app.get('/pieces/:id/:file', async (request, reply) => {
    const file = (request.params as { file: string }).file;
    const piece = await findPublicPiece(prisma, request.params);
    const column = file.endsWith('.mid') ? FILES.midi : Object.hasOwn(FILES, file) ? FILES[file as keyof typeof FILES] : undefined;
    const filePath = piece && column ? piece[column] : null;
    if (!piece || !filePath || (column === 'midiPath' && file !== `piece-${piece.id}.mid`)) return reply.callNotFound();
    if (column === 'midiPath') reply.header('content-disposition', `attachment; filename="piece-${piece.id}.mid"`);
    return reply.sendFile(path.basename(filePath), path.dirname(filePath));
  });
}
