/**
 * A throwaway PostgreSQL server for tests: Debian's postgresql binaries (scripts/setup.sh installs
 * them for the test command), a cluster in a temporary folder, listening on a free loopback port
 * (and a socket in that folder), trust authentication, fsync off. PostgreSQL refuses to run as
 * root, so as root it runs as the `postgres` user the package creates. stop() removes everything.
 *
 * Where the binaries are missing the tests that need them skip, saying why; under the test
 * command (RHYTHMIX_TEST_TOOLS=1, set by scripts/test.sh) a missing server is a failure instead.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';

const USER = 'rhythmix';

interface Binaries {
  readonly dir: string;
  /** Run as this system user (through runuser) because we are root; undefined: as ourselves. */
  readonly runAs?: { readonly name: string; readonly uid: number; readonly gid: number };
}

function findBinDir(): string | undefined {
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian)
    ? readdirSync(debian)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const candidates = [...versions.map((v) => path.join(debian, v, 'bin')), ...(process.env.PATH ?? '').split(path.delimiter)];
  return candidates.find((dir) => dir !== '' && existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl')));
}

function findBinaries(): Binaries | string {
  const dir = findBinDir();
  if (!dir) return "no PostgreSQL server binaries (initdb, pg_ctl) — install Debian's postgresql package (scripts/setup.sh does for the test command)";
  if (process.getuid?.() !== 0) return { dir };
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0 || gid.status !== 0) return 'running as root, and there is no postgres user to run the PostgreSQL server as';
  return { dir, runAs: { name: 'postgres', uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) } };
}

const found = findBinaries();
/** Why PostgreSQL tests cannot run here, or undefined when they can. */
export const postgresUnavailable: string | undefined = typeof found === 'string' ? found : undefined;
if (postgresUnavailable && process.env.RHYTHMIX_TEST_TOOLS === '1') {
  throw new Error(`PostgreSQL tests cannot run: ${postgresUnavailable}`);
}
if (postgresUnavailable) console.warn(`skipping PostgreSQL tests: ${postgresUnavailable}`);

export interface PostgresServer {
  /** The URL of `database` on this server. */
  url(database: string): string;
  /** Creates an empty database and returns its URL. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

function run(binaries: Binaries, program: string, args: string[], cwd: string): void {
  const command = path.join(binaries.dir, program);
  const [file, argv] = binaries.runAs ? ['runuser', ['-u', binaries.runAs.name, '--', command, ...args]] : [command, args];
  execFileSync(file, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
}

export async function startPostgres(): Promise<PostgresServer> {
  if (typeof found === 'string') throw new Error(`PostgreSQL is unavailable: ${found}`);
  const binaries = found;
  const dir = mkdtempSync(path.join(tmpdir(), 'rhythmix-pg-'));
  if (binaries.runAs) chownSync(dir, binaries.runAs.uid, binaries.runAs.gid);
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');
  try {
    run(binaries, 'initdb', ['-D', data, '-U', USER, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions'], dir);
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const options = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
      try {
        run(binaries, 'pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', '-o', options, 'start'], dir);
        break;
      } catch (error) {
        // Another process may have taken the port between freePort() and the server's bind.
        if (attempt === 3) throw error;
      }
    }
    let counter = 0;
    const url = (database: string) => `postgresql://${USER}@127.0.0.1:${port}/${database}`;
    let stopped = false;
    return {
      url,
      async createDatabase() {
        const name = `rhythmix_test_${++counter}`;
        const admin = new pg.Client({ connectionString: url('postgres') });
        await admin.connect();
        try {
          await admin.query(`CREATE DATABASE "${name}"`);
        } finally {
          await admin.end();
        }
        return url(name);
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        try {
          run(binaries, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'], dir);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    const serverLog = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    try {
      run(binaries, 'pg_ctl', ['-D', data, '-m', 'immediate', 'stop'], dir);
    } catch {
      // not running
    }
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start PostgreSQL: ${(error as Error).message}\n${stderr}\n${serverLog}`, { cause: error });
  }
}
