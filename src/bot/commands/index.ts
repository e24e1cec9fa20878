/**
 * Every slash command, one module each (`data` + `execute`, the discord.js guide's shape). This
 * one array feeds both `deploy-commands` (the JSON body, in this order) and the router (by
 * `data.name`), so registration and handling cannot drift apart. Adding a command: write its
 * module, import it here and add it to the array.
 */
import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type { SlashCommand } from '../context.js';
import * as compose from './compose.js';
import * as gallery from './gallery.js';
import * as harmonize from './harmonize.js';
import * as leave from './leave.js';
import * as model from './model.js';
import * as pause from './pause.js';
import * as piece from './piece.js';
import * as queue from './queue.js';
import * as resume from './resume.js';
import * as retrain from './retrain.js';
import * as skip from './skip.js';
import * as stop from './stop.js';
import * as top from './top.js';

export const COMMANDS: readonly SlashCommand[] = [compose, harmonize, queue, skip, stop, pause, resume, leave, top, piece, retrain, model, gallery];

/** The body `deploy-commands` (and `startBot({ deployCommands })`) registers. */
export function commandPayloads(commands: readonly SlashCommand[] = COMMANDS): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return commands.map((command) => command.data.toJSON());
}
