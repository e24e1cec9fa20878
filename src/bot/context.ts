/**
 * What every bot handler receives. Built once at start-up by the bot's composition root
 * (`src/bot/app.ts`); handlers take what they need from it and nothing else, so a test can
 * build one with real parts pointed at the simulator.
 */
import type { ChatInputCommandInteraction, Client } from 'discord.js';
import type { BotConfig } from '../config/index.js';
import type { OpenedDatabase } from '../db/index.js';
import type { FeedbackService } from '../feedback/service.js';
import type { JobQueue } from '../jobs/index.js';
import type { Logger } from '../util/logger.js';
import type { PlayerRegistry } from './voice/guild-player.js';

export interface BotContext {
  readonly client: Client;
  readonly config: BotConfig;
  readonly logger: Logger;
  readonly db: OpenedDatabase;
  /** Heavy work (compose, render, retrain) goes through this bounded queue. */
  readonly queue: JobQueue;
  readonly players: PlayerRegistry;
  /** Root folder of composed pieces: each lives in `<piecesDir>/<piece id>/` (PIECES_DIR, default data/pieces). */
  readonly piecesDir: string;
  /** The feedback loop (schedule, /retrain, /model); handlers fall back to the registry without it. */
  readonly feedback?: FeedbackService;
}

/** One slash command's handler; `name` matches its builder in `commands/definitions.ts`. */
export interface SlashCommandHandler {
  readonly name: string;
  execute(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void>;
}
