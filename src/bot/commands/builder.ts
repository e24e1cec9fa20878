/** What the command modules' `data` builders share. */
import { SlashCommandBuilder } from 'discord.js';

/** A command for servers only, hidden in direct messages (every command but /compose). */
export function serverCommand(name: string, description: string): SlashCommandBuilder {
  return new SlashCommandBuilder().setName(name).setDescription(description).setDMPermission(false);
}
