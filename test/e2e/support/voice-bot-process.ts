/**
 * The bot as deployed — `rhythmix bot` in its own process (built dist/) — with pieces to play:
 * the test stores a piece whose audio is a given Ogg file in the bot's database and seeds a bot
 * message with its Play button, as if an earlier /compose had posted it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pieceButtonId, pieceButtons } from '../../../src/bot/compose/embed.js';
import { createPiece, openDatabase, updatePiece, type OpenedDatabase } from '../../../src/db/index.js';
import { readOggOpus, type DiscordSimulator, type SimMessage } from '../../sim/index.js';
import { setSessionNice } from '../../sim/voice-gaps.js';
import { RHYTHMIX_BIN, cleanEnv } from './bot-process.js';

export interface VoiceBotProcess {
  readonly child: ChildProcess;
  /** Everything the bot logged (stderr, JSON lines). */
  logs(): string;
  postPiece(ogg: Buffer): Promise<{ pieceId: number; title: string; message: SimMessage; playId: string }>;
  stop(): Promise<void>;
}

export async function startVoiceBotProcess(sim: DiscordSimulator, env: Record<string, string> = {}): Promise<VoiceBotProcess> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rhythmix-voice-bot-'));
  const databaseUrl = `file:${path.join(dir, 'bot.db')}`;
  // Created (and migrated) here first; the bot opens the same file.
  const db: OpenedDatabase = await openDatabase(databaseUrl);
  const child = spawn(process.execPath, [RHYTHMIX_BIN, 'bot', '--deploy-commands'], {
    cwd: dir,
    env: {
      ...cleanEnv(),
      ...sim.clientEnv(),
      DISCORD_APP_ID: sim.applicationId,
      DATABASE_URL: databaseUrl,
      PIECES_DIR: path.join(dir, 'pieces'),
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
    // Its own session, as a service has; with a larger CPU share when allowed (see voice-gaps.ts).
    detached: true,
  });
  if (!process.env.VOICE_GAP_NO_SESSION_NICE) setSessionNice(child.pid!, -10);
  let logs = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => (logs += text));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await sim.waitForCommands(['queue', 'stop'], 30_000).catch((error: Error) => {
    throw new Error(`${error.message}\nbot log:\n${logs}`);
  });
  let count = 0;
  return {
    child,
    logs: () => logs,
    async postPiece(ogg) {
      const audioPath = path.join(dir, `piece-${++count}.ogg`);
      writeFileSync(audioPath, ogg);
      const created = await createPiece(db.prisma, { style: 'classical', seed: 'C4q E4q G4h', guild: { id: sim.guild.id, name: sim.guild.name } });
      const piece = await updatePiece(db.prisma, created.id, { audioPath, parameters: { seconds: readOggOpus(ogg).packets.length * 0.02 } });
      const message = sim.seedBotMessage('general', { content: `Piece #${piece.id}`, components: [pieceButtons(piece.id).toJSON()] });
      return { pieceId: piece.id, title: `Piece #${piece.id}`, message, playId: pieceButtonId('play', piece.id) };
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      }
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
