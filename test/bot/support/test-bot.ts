/**
 * Starts the real Rhythmix bot (src/bot/app.ts) in this process against a simulator, with a
 * temporary database and pieces folder, and a logger that keeps every line for assertions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startBot, type RunningBot } from '../../../src/bot/app.js';
import { loadBotConfig } from '../../../src/config/index.js';
import { createLogger } from '../../../src/util/logger.js';
import type { DiscordSimulator } from '../../sim/index.js';

export interface TestBot {
  readonly bot: RunningBot;
  readonly dir: string;
  /** Every log line the bot wrote (JSON text, already scrubbed). */
  readonly logs: string[];
  stop(): Promise<void>;
}

export function makeTempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'rhythmix-bot-e2e-'));
}

export async function startTestBot(sim: DiscordSimulator, options: { dir?: string; env?: Record<string, string>; logs?: string[] } = {}): Promise<TestBot> {
  const dir = options.dir ?? makeTempDir();
  const logs = options.logs ?? [];
  const config = loadBotConfig({
    env: {
      DISCORD_TOKEN: sim.token,
      DISCORD_APP_ID: sim.applicationId,
      DATABASE_URL: `file:${path.join(dir, 'rhythmix.db')}`,
      LOG_LEVEL: 'debug',
      QUEUE_CONCURRENCY: '1',
      ...options.env,
    },
    envFile: false,
  });
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(line) } });
  const bot = await startBot({ config, logger, apiUrl: sim.apiUrl, piecesDir: path.join(dir, 'pieces'), deployCommands: true });
  return {
    bot,
    dir,
    logs,
    stop: () => bot.stop(),
  };
}

export function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}
