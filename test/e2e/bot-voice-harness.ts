/**
 * The real bot (startBot: client, router, handlers, voice players) against a simulator, plus
 * helpers for the voice tests: pieces whose audio is a given Ogg file, a Play button to press.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TextChannel } from 'discord.js';
import { startBot, type RunningBot } from '../../src/bot/app.js';
import { pieceButtonId, pieceButtons } from '../../src/bot/compose/embed.js';
import { loadBotConfig } from '../../src/config/index.js';
import { createPiece, updatePiece } from '../../src/db/index.js';
import { createLogger } from '../../src/util/logger.js';
import { readOggOpus, type DiscordSimulator, type SimMessage } from '../sim/index.js';

export interface VoiceBot {
  readonly bot: RunningBot;
  readonly dir: string;
  /** Warnings and errors the bot logged (a test can assert there were none). */
  readonly problems: string[];
  /**
   * Stores a piece whose audio is `ogg` and posts a message with its Play button. The bot names
   * it "Piece #<id>" (`title`).
   */
  postPiece(ogg: Buffer): Promise<{ pieceId: number; title: string; seconds: number; message: SimMessage; playId: string }>;
  stop(): Promise<void>;
}

export async function startVoiceBot(sim: DiscordSimulator, env: Record<string, string> = {}): Promise<VoiceBot> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rhythmix-bot-voice-'));
  const config = loadBotConfig({
    env: {
      DISCORD_TOKEN: sim.token,
      DISCORD_APP_ID: sim.applicationId,
      DATABASE_URL: `file:${path.join(dir, 'bot.db')}`,
      LOG_LEVEL: 'warn',
      ...env,
    },
    envFile: false,
  });
  const problems: string[] = [];
  const logger = createLogger({
    level: 'warn',
    destination: { write: (line: string) => void problems.push(line.trim()) },
  });
  const bot = await startBot({ config, logger, apiUrl: sim.apiUrl, piecesDir: path.join(dir, 'pieces'), deployCommands: true });
  let count = 0;
  return {
    bot,
    dir,
    problems,
    async postPiece(ogg) {
      count++;
      const audioPath = path.join(dir, `piece-${count}.ogg`);
      writeFileSync(audioPath, ogg);
      const prisma = bot.context.db.prisma;
      const seconds = readOggOpus(ogg).packets.length * 0.02;
      const created = await createPiece(prisma, { style: 'classical', seed: 'C4q E4q G4h', guild: { id: sim.guild.id, name: sim.guild.name } });
      const piece = await updatePiece(prisma, created.id, { audioPath, parameters: { seconds } });
      const channel = bot.client.channels.cache.get(sim.channel('general').id) as TextChannel;
      const sent = await channel.send({ content: `Piece #${piece.id}`, components: [pieceButtons(piece.id)] });
      const message = sim.messages((m) => m.id === sent.id)[0]!;
      return { pieceId: piece.id, title: `Piece #${piece.id}`, seconds, message, playId: pieceButtonId('play', piece.id) };
    },
    async stop() {
      await bot.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until the bot's voice state in the simulator's guild is in `channelId` (null: out of voice). */
export function waitForBotChannel(sim: DiscordSimulator, channelId: string | null, timeoutMs = 10_000): Promise<true> {
  return sim.waitFor(
    () => ((sim.guild.voiceStates.get(sim.applicationId)?.channelId ?? null) === channelId ? true : undefined),
    `the bot's voice channel to be ${channelId ?? 'none'}`,
    timeoutMs,
  );
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
