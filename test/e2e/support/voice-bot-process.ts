/**
 * The bot as deployed — `rhythmix bot` in its own process (built dist/) — with pieces to play:
 * before the bot starts (so the two processes never write the database at once), the test stores
 * a piece per Ogg file in the bot's database and seeds a bot message with its Play button, as if
 * an earlier /compose had posted it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pieceButtonId, pieceButtons } from '../../../src/bot/compose/embed.js';
import { createPiece, openDatabase, updatePiece } from '../../../src/db/index.js';
import { readOggOpus, type DiscordSimulator, type SimMessage } from '../../sim/index.js';
import { setSessionNice } from '../../sim/voice-gaps.js';
import { RHYTHMIX_BIN, cleanEnv } from './bot-process.js';

export interface SeededPiece {
  readonly pieceId: number;
  readonly title: string;
  readonly message: SimMessage;
  readonly playId: string;
}

export interface VoiceBotProcess {
  readonly child: ChildProcess;
  /** One per Ogg file given to `startVoiceBotProcess`, in order. */
  readonly pieces: readonly SeededPiece[];
  /** Everything the bot logged (stderr, JSON lines). */
  logs(): string;
  stop(): Promise<void>;
}

export async function startVoiceBotProcess(sim: DiscordSimulator, oggs: readonly Buffer[], env: Record<string, string> = {}): Promise<VoiceBotProcess> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rhythmix-voice-bot-'));
  const databaseUrl = `file:${path.join(dir, 'bot.db')}`;
  const db = await openDatabase(databaseUrl);
  const pieces: SeededPiece[] = [];
  try {
    for (const [index, ogg] of oggs.entries()) {
      const audioPath = path.join(dir, `piece-${index + 1}.ogg`);
      writeFileSync(audioPath, ogg);
      const created = await createPiece(db.prisma, { style: 'classical', seed: 'C4q E4q G4h', guild: { id: sim.guild.id, name: sim.guild.name } });
      const piece = await updatePiece(db.prisma, created.id, { audioPath, parameters: { seconds: readOggOpus(ogg).packets.length * 0.02 } });
      const message = sim.seedBotMessage('general', { content: `Piece #${piece.id}`, components: [pieceButtons(piece.id).toJSON()] });
      pieces.push({ pieceId: piece.id, title: `Piece #${piece.id}`, message, playId: pieceButtonId('play', piece.id) });
    }
  } finally {
    await db.close();
  }
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
  return {
    child,
    pieces,
    logs: () => logs,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
