/**
 * The galleries (read-only): the servers that opted in with `/gallery on`, each one's pieces with
 * filters (style, key, this week / all time, newest / top rated) and a piece's lineage tree. A
 * server that has not opted in (or opted out again) answers exactly like one that does not exist.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { RatingWeights } from '../config/index.js';
import { galleryKeys, galleryPieces, isGalleryEnabled, lineageTree, listGalleryGuilds, WEB_PLAYGROUND_ID, type PrismaClient } from '../db/index.js';
import { STYLES } from '../music/styles.js';
import { findPublicPiece } from './playground-routes.js';
import { publicGalleryPiece, publicLineage } from './public-piece.js';

export interface GalleryRouteOptions {
  readonly prisma: PrismaClient;
  readonly ratingWeights: RatingWeights;
}

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

const galleryQuery = z
  .object({
    style: z.enum(STYLES).optional().catch(undefined),
    key: z.string().trim().min(1).max(20).optional().catch(undefined),
    period: z.enum(['week', 'all']).default('all').catch('all'),
    sort: z.enum(['new', 'top']).default('new').catch('new'),
  })
  .partial();

const serverParams = z.object({ server: z.string().regex(/^\d{1,20}$/) });

export function registerGalleryRoutes(app: FastifyInstance, options: GalleryRouteOptions): void {
  const { prisma, ratingWeights } = options;

  app.get('/api/galleries', async () => ({
    servers: (await listGalleryGuilds(prisma)).map((g) => ({ id: g.id, name: g.name ?? 'Unnamed server', pieces: g.pieces })),
  }));

  app.get('/api/galleries/:server', async (request, reply) => {
    const params = serverParams.safeParse(request.params);
    if (!params.success || !(await isGalleryEnabled(prisma, params.data.server))) return reply.code(404).send({ error: 'no gallery here' });
    const guildId = params.data.server;
    const query = galleryQuery.parse(request.query ?? {});
    const [guild, keys, pieces] = await Promise.all([
      prisma.guild.findUnique({ where: { id: guildId }, select: { name: true } }),
      galleryKeys(prisma, guildId),
      galleryPieces(prisma, {
        guildId,
        weights: ratingWeights,
        ...(query.style ? { style: query.style } : {}),
        ...(query.key ? { key: query.key } : {}),
        ...(query.period === 'week' ? { since: new Date(Date.now() - WEEK_MS) } : {}),
        sort: query.sort ?? 'new',
      }),
    ]);
    return { server: { id: guildId, name: guild?.name ?? 'Unnamed server' }, styles: STYLES, keys, pieces: pieces.map(publicGalleryPiece) };
  });

  app.get('/api/pieces/:id/lineage', async (request, reply) => {
    const piece = await findPublicPiece(prisma, request.params);
    if (!piece) return reply.code(404).send({ error: 'no such piece' });
    const tree = await lineageTree(prisma, piece.id, ratingWeights);
    if (!tree) return reply.code(404).send({ error: 'no such piece' });
    return { pieceId: piece.id, playground: piece.guildId === WEB_PLAYGROUND_ID, tree: publicLineage(tree) };
  });
}
