import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/index.js';
import { DiscordSimulator, MessageFlags, type SimInteraction, type SimMessage } from '../sim/index.js';
import { makeTempDir, removeDir } from '../bot/support/test-bot.js';
import { cleanEnv, killHard, startCli, type CliRun } from './support/bot-process.js';

/**
 * Issue #14 items 1 and 4 against the real `rhythmix bot` process: a kill -9 with composes under
 * way leaves no message on a progress state once the bot is back (each says it was interrupted
 * and offers a working Try again), work folders of the dead jobs are gone; SIGTERM stops taking
 * composes, tells the users of the cut-short ones, leaves voice and exits 0 within 10 s; a piece
 * whose audio the retention policy removed answers Play clearly. The tests run in order on one
 * simulator. Pieces that must finish are 2 bars; the ones that must be cut short are 32.
 */
const WAIT_MS = 100_000;
const RECOVERY_GOAL_MS = 30_000;
const STOP_GOAL_MS = 10_000;
const PROGRESS = /Queued|Composing|Rendering|posting the piece/;
const INTERRUPTED = /restarted before your piece was done/;
const isResult = (message: SimMessage) => message.attachments.length === 3 && !(message.flags & MessageFlags.Loading);

/** Custom ids of the buttons on a message. */
function buttonIds(message: SimMessage | undefined): string[] {
  return (message?.components ?? []).flatMap((row) => ((row as { components?: Array<{ custom_id?: string }> }).components ?? []).map((b) => b.custom_id ?? ''));
}

const retryId = (message: SimMessage | undefined) => buttonIds(message).find((id) => id.startsWith('job:retry:'));

describe('restart recovery and graceful stop of the bot process', () => {
  let sim: DiscordSimulator;
  let dir: string;
  let piecesDir: string;
  let env: Record<string, string>;
  let bot: CliRun | undefined;
  const runs: CliRun[] = [];
  const tokens: string[] = [];

  const startBot = async () => {
    const run = startCli(['bot'], env, dir);
    bot = run;
    runs.push(run);
    await sim.waitForLogin(30_000);
    // Ready, recovery done and commands routed: the start-up line is printed after all of it.
    await sim.waitFor(() => run.output().includes('bot online') || undefined, 'the bot to print that it is online', 30_000);
    return run;
  };
  const workFolders = () => (existsSync(piecesDir) ? readdirSync(piecesDir).filter((name) => name.startsWith('.work-')) : []);
  /** Starts a compose and waits until its reply shows `state`; remembers the interaction token. */
  const composeUntil = async (user: string, length: number, state: RegExp, tracks?: number): Promise<SimInteraction> => {
    const run = sim.user(user).slash('compose', { seed: 'C4q E4q G4h', style: 'classical', length, ...(tracks ? { tracks } : {}) });
    tokens.push(run.record.token);
    await run.waitForReply((m) => state.test(m.content), WAIT_MS);
    return run;
  };

  beforeAll(async () => {
    sim = await DiscordSimulator.start();
    dir = makeTempDir();
    piecesDir = path.join(dir, 'pieces');
    env = { ...cleanEnv(), ...sim.clientEnv(), LOG_LEVEL: 'info' };
    writeFileSync(
      path.join(dir, '.env'),
      `DISCORD_APP_ID=${sim.applicationId}\nDATABASE_URL=file:./bot.db\nPIECES_DIR=./pieces\nQUEUE_CONCURRENCY=1\nSHUTDOWN_GRACE_SECONDS=1\n`,
    );
    const deploy = startCli(['deploy-commands', '--guild', sim.guild.id], env, dir);
    expect(await deploy.exit).toBe(0);
    await startBot();
  }, 90_000);

  afterAll(async () => {
    await killHard(bot);
    await sim?.close();
    removeDir(dir);
  });

  let bobRetryPiece: SimMessage;

  it(
    'after a kill -9, every interrupted compose is told within 30 s (reply edited, or the channel when the token expired) and Try again composes it',
    { timeout: 240_000 },
    async () => {
      sim.user('bob').joinVoice('Music');
      const alice = await composeUntil('alice', 32, /Composing/);
      const bob = await composeUntil('bob', 2, /Queued/);
      const carol = await composeUntil('carol', 2, /Queued/);
      carol.expireToken();
      await expect.poll(workFolders, { timeout: 10_000 }).toHaveLength(1);

      await killHard(bot);
      expect(workFolders()).toHaveLength(1);
      expect(alice.reply()!.content).toMatch(/Composing/);
      const restartedAt = Date.now();
      await startBot();

      // Tokens still valid: the original replies now say what happened, with a Try again button.
      for (const run of [alice, bob]) {
        const reply = await run.waitForReply((m) => INTERRUPTED.test(m.content) && retryId(m) !== undefined, RECOVERY_GOAL_MS);
        expect(reply.attachments).toHaveLength(0);
      }
      // Expired token: the reply cannot be edited any more, so the channel hears it, mentioning carol.
      const carolId = sim.user('carol').id;
      const notice = await sim.waitForMessage((m) => m.content.includes(`<@${carolId}>`) && INTERRUPTED.test(m.content), RECOVERY_GOAL_MS);
      expect(retryId(notice)).toBeDefined();
      expect(Date.now() - restartedAt).toBeLessThan(RECOVERY_GOAL_MS);
      // Nothing else is left on a progress state: only carol's reply, which no one can edit after 15 minutes.
      expect(sim.messages((m) => !m.deleted && PROGRESS.test(m.content)).map((m) => m.id)).toEqual([carol.reply()!.id]);
      expect(workFolders()).toEqual([]);

      // Try again runs bob's request anew: a piece arrives (and plays, bob being in voice).
      const bobReply = bob.reply()!;
      const retry = sim.user('bob').click(bobReply, retryId(bobReply)!);
      bobRetryPiece = await retry.waitForReply(isResult, WAIT_MS);
      await expect.poll(() => sim.voice.connection()?.secretKey !== undefined && !sim.voice.connection()!.closed, { timeout: 30_000 }).toBe(true);
      // An offer works once.
      const again = sim.user('bob').click(bobReply, retryId(bobReply)!);
      const gone = await again.waitForReply(undefined, 10_000);
      expect(gone.flags & MessageFlags.Ephemeral).toBeTruthy();
      expect(gone.content).toContain('can no longer be retried');
    },
  );

  it('SIGTERM: new composes hear "restarting", cut-short ones are told, voice is left, exit code 0 within 10 s', { timeout: 120_000 }, async () => {
    const running = bot!;
    // Long enough (64 bars, 4 tracks) that a warm worker cannot finish it within the 1 s grace.
    const alice = await composeUntil('alice', 64, /Composing/, 4);
    const bob = await composeUntil('bob', 2, /Queued/);
    const signalledAt = Date.now();
    running.child.kill('SIGTERM');
    await expect.poll(() => running.output(), { timeout: 5000, interval: 20 }).toContain('SIGTERM — stopping');
    const late = sim.user('carol').slash('compose', { seed: 'C4q', style: 'classical', length: 2 });
    tokens.push(late.record.token);

    expect(await running.exit).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(STOP_GOAL_MS);
    expect((await late.waitForReply(undefined, 1000)).content).toContain('Rhythmix is restarting');
    for (const run of [alice, bob]) {
      expect(run.reply()!.content).toMatch(INTERRUPTED);
      expect(retryId(run.reply())).toBeDefined();
    }
    expect(sim.messages((m) => !m.deleted && PROGRESS.test(m.content)).length).toBe(1); // carol's expired one, above
    expect(sim.voice.connection()!.closed).toBe(true);
    expect(sim.guild.voiceStates.get(sim.applicationId)?.channelId ?? null).toBeNull();
  });

  it('a piece whose audio the retention policy removed keeps its MIDI and answers Play clearly', { timeout: 90_000 }, async () => {
    const db = await openDatabase(`file:${path.join(dir, 'bot.db')}`);
    // Every compose of the runs above ended: the finished one left no row, the cut-short ones
    // remain only as Try again offers, none of them keeping its token.
    expect(await db.prisma.pendingJob.count({ where: { OR: [{ interruptedAt: null }, { interactionToken: { not: null } }] } })).toBe(0);
    expect(await db.prisma.pendingJob.count()).toBe(4);
    const piece = await db.prisma.piece.findFirstOrThrow({ where: { messageId: bobRetryPiece.id } });
    // Older than PIECES_MAX_AGE_DAYS (default 90): the start-up pass of the policy takes its renders.
    await db.prisma.piece.update({ where: { id: piece.id }, data: { createdAt: new Date(Date.now() - 200 * 86_400_000) } });
    await db.close();
    expect(existsSync(piece.audioPath!)).toBe(true);

    await startBot();
    await expect.poll(() => existsSync(piece.audioPath!) || existsSync(piece.imagePath!), { timeout: 20_000 }).toBe(false);
    expect(existsSync(piece.midiPath!)).toBe(true);

    const play = sim.user('bob').click(bobRetryPiece, `piece:play:${piece.id}`);
    const answer = await play.waitForReply(undefined, 10_000);
    expect(answer.flags & MessageFlags.Ephemeral).toBeTruthy();
    expect(answer.content).toContain(`audio of piece #${piece.id} is no longer stored`);
  });

  it('never writes an interaction token to its output', () => {
    expect(tokens.length).toBeGreaterThan(0);
    const output = runs.map((run) => run.output()).join('\n');
    for (const token of tokens) expect(output).not.toContain(token);
  });
});
