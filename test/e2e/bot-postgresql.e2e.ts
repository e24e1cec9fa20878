import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordSimulator, MessageFlags, type SimMessage } from '../sim/index.js';
import { makeTempDir, removeDir } from '../bot/support/test-bot.js';
import { postgresUnavailable, startPostgres, type PostgresServer } from '../support/postgres.js';
import { cleanEnv, killHard, startCli, type CliRun } from './support/bot-process.js';

/**
 * The real `rhythmix bot` with DATABASE_URL=postgresql://… (a throwaway server on a loopback
 * port): a /compose is stored as a piece row in PostgreSQL, and reactions as rating rows there.
 * The rows are read with `pg` directly, not through Rhythmix, and no SQLite file appears.
 */
describe.skipIf(postgresUnavailable !== undefined)('the bot on PostgreSQL', () => {
  let server: PostgresServer;
  let sim: DiscordSimulator;
  let dir: string;
  let bot: CliRun | undefined;
  let sql: pg.Client;
  let reply: SimMessage;

  const ratings = async () =>
    (
      await sql.query<{ rating: string }>(
        `SELECT r."userId" || ':' || r."emoji" || ':' || CASE WHEN r."removedAt" IS NULL THEN 'on' ELSE 'off' END AS rating
           FROM "Rating" r JOIN "Piece" p ON p.id = r."pieceId" WHERE p."messageId" = $1 ORDER BY 1`,
        [reply.id],
      )
    ).rows.map((row) => row.rating);

  beforeAll(async () => {
    server = await startPostgres();
    const url = await server.createDatabase();
    sql = new pg.Client({ connectionString: url });
    await sql.connect();
    sim = await DiscordSimulator.start();
    dir = makeTempDir();
    const env = { ...cleanEnv(), ...sim.clientEnv(), LOG_LEVEL: 'info' };
    writeFileSync(path.join(dir, '.env'), `DISCORD_APP_ID=${sim.applicationId}\nDATABASE_URL=${url}\nPIECES_DIR=./pieces\n`);
    const deploy = startCli(['deploy-commands', '--guild', sim.guild.id], env, dir);
    expect(await deploy.exit).toBe(0);
    bot = startCli(['bot'], env, dir);
    await sim.waitForLogin(30_000);
  }, 90_000);

  afterAll(async () => {
    await killHard(bot);
    await sql?.end();
    await sim?.close();
    await server?.stop();
    removeDir(dir);
  });

  it('stores the composed piece and its ratings in PostgreSQL', { timeout: 150_000 }, async () => {
    const alice = sim.user('alice');
    const run = alice.slash('compose', { seed: 'C4q D4q E4q', style: 'classical', length: 2 });
    reply = await run.waitForReply((m) => m.attachments.length === 3 && !(m.flags & MessageFlags.Loading), 100_000);
    await sim.waitFor(() => reply.reactions.size > 0, 'the rating reactions');

    // The message id is stored right after posting.
    await expect
      .poll(
        async () =>
          (
            await sql.query<{ style: string; authorId: string; guildId: string; tokens: boolean }>(
              'SELECT "style", "authorId", "guildId", "tokens" IS NOT NULL AS tokens FROM "Piece" WHERE "messageId" = $1',
              [reply.id],
            )
          ).rows,
        {
          timeout: 10_000,
        },
      )
      .toEqual([{ style: 'classical', authorId: alice.id, guildId: sim.guild.id, tokens: true }]);

    const bob = sim.user('bob');
    alice.react(reply, '👍');
    bob.react(reply, '❤️');
    bob.react(reply, '🔥');
    await expect.poll(ratings, { timeout: 10_000 }).toEqual([`${alice.id}:👍:on`, `${bob.id}:❤:on`, `${bob.id}:🔥:on`].sort());
    bob.unreact(reply, '🔥');
    await expect.poll(ratings, { timeout: 10_000 }).toEqual([`${alice.id}:👍:on`, `${bob.id}:❤:on`, `${bob.id}:🔥:off`].sort());

    // Nothing went to the default SQLite file.
    expect(existsSync(path.join(dir, 'data', 'rhythmix.db'))).toBe(false);
  });
});
