/**
 * What every bot handler receives. Built once at start-up by the bot's composition root
 * (`src/bot/app.ts`); handlers take what they need from it and nothing else, so a test can
 * build one with real parts pointed at the simulator.
 */
import type {
  AutocompleteInteraction,
  ButtonInteraction,
  ChatInputCommandInteraction,
  Client,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { BotConfig } from '../config/index.js';
import type { OpenedDatabase } from '../db/index.js';
import type { FeedbackService } from '../feedback/service.js';
import type { WorkerPool, WorkQueue } from '../jobs/index.js';
import type { RemoteComposer } from '../cluster/remote-compose.js';
import type { Logger } from '../util/logger.js';
import type { ScoreEngraver } from './compose/score-engraver.js';
import type { BotLifecycle } from './lifecycle.js';
import type { PlayerRegistry } from './voice/guild-player.js';

export interface BotContext {
  readonly client: Client;
  readonly config: BotConfig;
  readonly logger: Logger;
  readonly db: OpenedDatabase;
  /** Heavy work (compose, render, retrain) goes through this bounded queue (in process, or on Redis with REDIS_URL). */
  readonly queue: WorkQueue;
  /** With REDIS_URL: composes run on `rhythmix worker` processes through BullMQ instead of local workers. */
  readonly remoteCompose?: RemoteComposer;
  /** Warm compose worker processes (COMPOSE_WORKERS); absent: each compose starts a fresh child. */
  readonly composeWorkers?: WorkerPool;
  /** Engraves score.png after a piece is posted (local composes); absent: the compose job engraves it. */
  readonly scoreEngraver?: ScoreEngraver;
  readonly players: PlayerRegistry;
  /** Root folder of composed pieces: each lives in `<piecesDir>/<piece id>/` (PIECES_DIR, default data/pieces). */
  readonly piecesDir: string;
  /** The feedback loop (schedule, /retrain, /model); handlers fall back to the registry without it. */
  readonly feedback?: FeedbackService;
  /** Stopping or not, and the compose flows under way (graceful stop); absent in bare test contexts. */
  readonly lifecycle?: BotLifecycle;
}

/**
 * One slash command, as one module under `src/bot/commands/` exports it (the discord.js guide's
 * shape): `data` is what `deploy-commands` registers and its name is what the router dispatches
 * on, so the name is written once.
 */
export interface SlashCommand {
  /** A SlashCommandBuilder (any of its option-adding variants: only the name and JSON are used). */
  readonly data: { readonly name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
  execute: (interaction: ChatInputCommandInteraction, context: BotContext) => Promise<void>;
  /** Suggestions while the user types an option marked `setAutocomplete(true)`. */
  autocomplete?(interaction: AutocompleteInteraction, context: BotContext): Promise<void>;
}

/** Buttons: the first whose `matches(customId)` is true handles the click. */
export interface ButtonHandler {
  readonly matches: (customId: string) => boolean;
  execute(interaction: ButtonInteraction, context: BotContext): Promise<void>;
}
