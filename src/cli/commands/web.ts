/**
 * `rhythmix web [--port N] [--host H]`: the web playground and the galleries of the servers that
 * opted in, on the embedded defaults — no Discord token, nothing else to set. Listens on
 * 127.0.0.1 (this machine only) unless told otherwise; prints the address to open. With REDIS_URL
 * its composes go to the cluster's queue and `rhythmix worker`s run them (docs/scaling.md).
 */
import type { Command } from 'commander';
import { DEFAULT_WEB_PORT, loadCliConfig } from '../../config/index.js';
import { InvalidInputError } from '../../util/errors.js';
import { createLogger } from '../../util/logger.js';
import { quoteInput } from '../../util/text.js';

function parsePort(text: string): number {
  const port = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (port >= 0 && port <= 65_535) return port;
  throw new InvalidInputError(`--port must be a port number from 0 to 65535 (0: any free port), got ${quoteInput(text)}`, { field: 'port' });
}

export function register(program: Command): void {
  program
    .command('web')
    .description('Serve the web playground and the server galleries (no Discord token needed)')
    .option('--port <n>', `port to listen on (default WEB_PORT, else ${DEFAULT_WEB_PORT}; 0: any free port)`, parsePort)
    .option('--host <address>', 'address to listen on (default WEB_HOST, else 127.0.0.1: this machine only)')
    .action(async (flags: { port?: number; host?: string }) => {
      const config = loadCliConfig();
      const logger = createLogger({ level: config.logLevel, name: 'rhythmix-web' });
      const { startStandaloneWeb } = await import('../../web/run.js');
      // With REDIS_URL the playground queues on the cluster, as the bots do, and `rhythmix worker`s compose.
      const cluster = config.redisUrl
        ? await (await import('../../cluster/compose-queue.js')).openClusterComposeQueue(config.redisUrl, config.queue)
        : undefined;
      const web = await startStandaloneWeb({
        config,
        logger,
        host: flags.host ?? config.web.host,
        port: flags.port ?? config.web.port ?? DEFAULT_WEB_PORT,
        ...(cluster ? { cluster } : {}),
      });
      console.log(`rhythmix: web playground at ${web.url}${cluster ? " (composes run on the cluster's workers)" : ''} — Ctrl-C to stop`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          process.once('SIGINT', () => process.exit(130));
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await web.stop();
    });
}
