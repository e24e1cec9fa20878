/**
 * The web server (`rhythmix web`, or the bot with WEB_PORT): a playground anyone can compose in
 * and the galleries of the servers that opted in (`/gallery on`). fastify with security headers
 * (a CSP that allows no inline script), rate limits per client address, small request bodies and
 * plain error pages. Pages are static files; their scripts are built from src/web/client by
 * `npm run build` (scripts/build-web.mjs) into dist/web/public.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import type { ComposeRunner } from '../app/compose-job.js';
import type { RatingWeights } from '../config/index.js';
import type { PrismaClient } from '../db/index.js';
import type { WorkQueue } from '../jobs/queue.js';
import type { WorkerPool } from '../jobs/worker-pool.js';
import { MissingDependencyError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { WebComposeJobs } from './compose-jobs.js';
import { registerGalleryRoutes } from './gallery-routes.js';
import { registerPlaygroundRoutes } from './playground-routes.js';

/** Largest request body: a compose form is well under 1 KiB. */
export const BODY_LIMIT_BYTES = 16 * 1024;
/** Requests per minute one client address may make (pages, API, files). */
export const REQUESTS_PER_MINUTE = 300;

export interface WebServerOptions {
  readonly prisma: PrismaClient;
  readonly queue: WorkQueue;
  readonly composeWorkers?: WorkerPool | undefined;
  /** Where composes run; default `composeWorkers` (with REDIS_URL: on the cluster's workers). */
  readonly runCompose?: ComposeRunner | undefined;
  readonly piecesDir: string;
  readonly model?: string | undefined;
  readonly ratingWeights: RatingWeights;
  readonly logger: Logger;
  /** Behind a reverse proxy: client addresses from X-Forwarded-For (WEB_TRUST_PROXY). */
  readonly trustProxy?: boolean;
  /** The built pages and scripts; default dist/web/public. */
  readonly publicDir?: string;
}

/** dist/web/public: beside the running code when it runs from dist/, else the project's (vitest, tsx). */
export function webPublicDir(base: string | URL = import.meta.url): string {
  const candidates = [new URL('./public/', base), new URL('../../dist/web/public/', base)].map((url) => fileURLToPath(url));
  const found = candidates.find((dir) => existsSync(`${dir}/playground.js`));
  if (!found) throw new MissingDependencyError('the web pages are not built (dist/web/public is missing) — run npm run build');
  return found;
}

function wantsJson(request: FastifyRequest): boolean {
  return request.url.startsWith('/api/');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A plain error page: what happened and the way back, no stack, no internals. */
export function errorPage(status: number, message: string): string {
  const title = status === 404 ? 'Page not found' : status === 429 ? 'Slow down' : status < 500 ? 'That did not work' : 'Something went wrong';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} · Rhythmix</title><link rel="stylesheet" href="/assets/style.css"></head>
<body><main class="error-page"><h1>${title}</h1><p>${escapeHtml(message)}</p><p><a href="/">Playground</a> · <a href="/gallery">Gallery</a></p></main></body>
</html>
`;
}

function sendErrorPage(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(errorPage(status, message));
}

export async function createWebServer(options: WebServerOptions): Promise<FastifyInstance> {
  const publicDir = options.publicDir ?? webPublicDir();
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; typed as the base so the instance is the plain FastifyInstance.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- it sets the instance's logger type parameter
    loggerInstance: options.logger as FastifyBaseLogger,
    // Errors are logged by the error handler; one line per request would drown the bot's log.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: options.trustProxy === true,
    // Ids in paths are short; anything longer is not ours.
    routerOptions: { maxParamLength: 100 },
  });
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        mediaSrc: ["'self'"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // Served over plain HTTP on 127.0.0.1 by default; the reverse proxy in front sets HSTS (docs/web.md).
    strictTransportSecurity: false,
  });
  await app.register(rateLimit, {
    max: REQUESTS_PER_MINUTE,
    timeWindow: 60_000,
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      error: `too many requests — try again in ${Math.ceil(context.ttl / 1000)} s`,
    }),
  });
  await app.register(fastifyStatic, { root: publicDir, prefix: '/assets/', index: false, wildcard: false });

  app.setNotFoundHandler(async (request, reply) => {
    if (wantsJson(request)) return reply.code(404).send({ error: 'not found' });
    return sendErrorPage(reply, 404, `There is no page at ${request.url.slice(0, 100)}.`);
  });
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error, url: request.url }, 'web request failed');
    const message =
      status === 413
        ? `the request is larger than ${BODY_LIMIT_BYTES / 1024} KiB`
        : status === 429 || status < 500
          ? error.message
          : 'something went wrong on the server — try again';
    if (wantsJson(request) || status === 429 || request.method !== 'GET') return reply.code(status).send({ error: message });
    return sendErrorPage(reply, status, message);
  });

  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').sendFile('index.html'));
  app.get('/gallery', async (_request, reply) => reply.type('text/html; charset=utf-8').sendFile('gallery.html'));
  app.get('/healthz', async () => ({ ok: true }));

  const jobs = new WebComposeJobs({
    prisma: options.prisma,
    queue: options.queue,
    composeWorkers: options.composeWorkers,
    runCompose: options.runCompose,
    piecesDir: options.piecesDir,
    model: options.model,
    logger: options.logger,
  });
  registerPlaygroundRoutes(app, { prisma: options.prisma, jobs, ratingWeights: options.ratingWeights });
  registerGalleryRoutes(app, { prisma: options.prisma, ratingWeights: options.ratingWeights });
  return app;
}

export interface RunningWebServer {
  /** The address to open, e.g. http://127.0.0.1:8080/. */
  readonly url: string;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** Starts listening on `host:port` (port 0: any free one). */
export async function startWebServer(options: WebServerOptions & { readonly host: string; readonly port: number }): Promise<RunningWebServer> {
  const app = await createWebServer(options);
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return { url: `http://${host}:${port}/`, app, close: () => app.close() };
}
