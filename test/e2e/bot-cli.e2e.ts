import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commandPayloads } from '../../src/bot/commands/index.js';
import { invitePermissions } from '../../src/bot/permissions.js';
import { DiscordSimulator, MessageFlags } from '../sim/index.js';
import { makeTempDir, removeDir } from '../bot/support/test-bot.js';
import { cleanEnv, killHard, startCli as start, type CliRun as Run } from './support/bot-process.js';

/**
 * `rhythmix bot` (what `npm start` runs) and `rhythmix deploy-commands` as their own processes,
 * configured only through the environment and `.env`, talking to the simulator via
 * DISCORD_API_URL from `sim.clientEnv()`.
 */
describe('rhythmix bot / deploy-commands as processes', () => {
  let sim: DiscordSimulator | undefined;
  let dir: string | undefined;
  let bot: Run | undefined;

  afterEach(async () => {
    await killHard(bot);
    await sim?.close();
    removeDir(dir);
    sim = undefined;
    dir = undefined;
    bot = undefined;
  });

  it('refuses to start without DISCORD_TOKEN and DISCORD_APP_ID, saying what to set', async () => {
    dir = makeTempDir();
    const run = start(['bot'], cleanEnv(), dir);
    expect(await run.exit).toBe(2);
    expect(run.output()).toContain('DISCORD_TOKEN is missing — set it in .env or the environment');
    expect(run.output()).toContain('DISCORD_APP_ID is missing');
  });

  it('says so when Discord refuses the token, without printing it', async () => {
    sim = await DiscordSimulator.start();
    dir = makeTempDir();
    const wrong = 'MTIzNDU2Nzg5.wrong-token.abcdefghijkl';
    const run = start(
      ['bot'],
      { ...cleanEnv(), ...sim.clientEnv(), DISCORD_TOKEN: wrong, DISCORD_APP_ID: sim.applicationId, DATABASE_URL: 'file:./bot.db' },
      dir,
    );
    expect(await run.exit).toBe(2);
    expect(run.output()).toContain('Discord refused DISCORD_TOKEN');
    expect(run.output()).not.toContain(wrong);
    expect(run.output()).not.toContain('abcdefghijkl');
  });

  it('deploys the commands to a guild, prints the invite URL, then runs the bot from .env and answers /compose', { timeout: 150_000 }, async () => {
    sim = await DiscordSimulator.start();
    dir = makeTempDir();
    const env = { ...cleanEnv(), ...sim.clientEnv(), LOG_LEVEL: 'debug' };
    // The application id and the database come from .env in the working folder.
    writeFileSync(path.join(dir, '.env'), `DISCORD_APP_ID=${sim.applicationId}\nDATABASE_URL=file:./bot.db\nPIECES_DIR=./pieces\n`);

    const deploy = start(['deploy-commands', '--guild', sim.guild.id], env, dir);
    expect(await deploy.exit).toBe(0);
    expect(deploy.output()).toContain(`Registered ${commandPayloads().length} commands in server ${sim.guild.id}`);
    expect(deploy.output()).toContain(`permissions=${invitePermissions()}`);
    const commands = await sim.waitForCommands(['compose', 'top', 'piece']);
    expect(commands.every((c) => c.guildId === sim!.guild.id)).toBe(true);

    bot = start(['bot'], env, dir);
    await sim.waitForLogin(30_000);
    const run = sim.user('alice').slash('compose', { seed: 'C4q D4q E4q', style: 'classical', length: 2 });
    expect(await run.waitForAck()).toBe(5);
    const reply = await run.waitForReply((m) => m.attachments.length === 3 && !(m.flags & MessageFlags.Loading), 100_000);
    expect(reply.attachments.map((a) => a.filename)).toEqual([
      expect.stringMatching(/\.png$/),
      expect.stringMatching(/\.ogg$/),
      expect.stringMatching(/\.mid$/),
    ]);

    bot.child.kill('SIGTERM');
    expect(await bot.exit).toBe(0);
    expect(bot.output()).toContain('bot online');
    expect(bot.output()).not.toContain(sim.token);
  });
});
