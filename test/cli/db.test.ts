/** `rhythmix db backup` through the real binary (needs `npm run build` first). */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrityCheck, openDatabase } from '../../src/db/index.js';
import { assertCliBuilt, projectRoot } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'rhythmix-db-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(assertCliBuilt);

const database = join(dir, 'live.db');
const rhythmixWith = (databaseUrl: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(projectRoot, 'bin/rhythmix.js'), ...args], {
    cwd: projectRoot,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, DATABASE_URL: databaseUrl },
  });
const rhythmix = (...args: string[]) => rhythmixWith(`file:${database}`, ...args);

describe('rhythmix db backup', () => {
  it('writes a checked copy of the DATABASE_URL database, and will not overwrite one without --force', async () => {
    const db = await openDatabase(`file:${database}`);
    await db.prisma.user.create({ data: { id: 'someone' } });
    await db.close();
    const backup = join(dir, 'backup.db');
    const first = rhythmix('db', 'backup', backup, '--json');
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ source: database, target: backup });
    expect(integrityCheck(backup)).toBe('ok');

    const again = rhythmix('db', 'backup', backup);
    expect(again.status).toBe(2);
    expect(again.stderr).toBe(`rhythmix: ${backup} exists; pass --force to overwrite it\n`);
    const forced = rhythmix('db', 'backup', backup, '--force');
    expect(forced.status).toBe(0);
    expect(forced.stdout).toMatch(/^backed up .*live\.db → .*backup\.db \(\d+(\.\d)? KB, integrity ok\)\n$/);
    expect(existsSync(`${backup}.partial`)).toBe(false);
  });

  it('with a PostgreSQL DATABASE_URL, writes nothing and says to use pg_dump', () => {
    const target = join(dir, 'pg-backup.db');
    const result = rhythmixWith('postgresql://rhythmix:secret@127.0.0.1:1/rhythmix', 'db', 'backup', target);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^rhythmix: rhythmix db backup copies an SQLite database, and DATABASE_URL names a PostgreSQL one — back it up with pg_dump/);
    expect(result.stderr).not.toContain('secret');
    expect(existsSync(target)).toBe(false);
  });
});
