/**
 * A throwaway Redis server for tests: Debian's redis-server (scripts/setup.sh installs it for the
 * test command), in a temporary folder, on a free loopback port, with the append-only file on and
 * fsync'd on every write — so restart() brings back every job, as a real deployment with
 * `appendonly yes` would. stop() ends it and removes the folder.
 *
 * Where redis-server is missing the tests that need it skip, saying why; under the test command
 * (RHYTHMIX_TEST_TOOLS=1, set by scripts/test.sh) a missing server is a failure instead.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';

const binary = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
/** Why Redis tests cannot run here, or undefined when they can. */
export const redisUnavailable: string | undefined =
  binary.status === 0 ? undefined : "no redis-server — install Debian's redis-server package (scripts/setup.sh does for the test command)";
if (redisUnavailable && process.env.RHYTHMIX_TEST_TOOLS === '1') throw new Error(`Redis tests cannot run: ${redisUnavailable}`);
if (redisUnavailable) console.warn(`skipping Redis tests: ${redisUnavailable}`);

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM, as a host's restart would) and starts it again on the same port and files. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Resolves once the server answers PING. */
async function untilAnswering(port: number, child: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const pong = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('+PONG'));
      });
      socket.once('error', () => resolve(false));
    });
    if (pong) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  let tail = '';
  try {
    tail = readFileSync(log, 'utf8').slice(-2000);
  } catch {
    // no log yet
  }
  throw new Error(`redis-server did not answer on port ${port}\n${tail}`);
}

export async function startRedis(): Promise<RedisServer> {
  if (redisUnavailable) throw new Error(`Redis is unavailable: ${redisUnavailable}`);
  const dir = mkdtempSync(path.join(tmpdir(), 'rhythmix-redis-'));
  const log = path.join(dir, 'server.log');
  const port = await freePort();
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--save',
    '',
    '--logfile',
    log,
    '--daemonize',
    'no',
    // BullMQ wants keys never evicted.
    '--maxmemory-policy',
    'noeviction',
  ];
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    child = spawn('redis-server', args, { cwd: dir, stdio: 'ignore' });
    await untilAnswering(port, child, log);
  };
  const end = async (): Promise<void> => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const gone = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await gone;
  };
  try {
    await launch();
  } catch (error) {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  let stopped = false;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async restart() {
      await end();
      await launch();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
