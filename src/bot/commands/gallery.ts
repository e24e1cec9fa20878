/**
 * /gallery on|off (server admins): opens or closes this server's gallery on the web (`rhythmix
 * web`, or the bot with WEB_PORT): its pieces with players, piano rolls, ratings, makers' display
 * names and lineage trees. Off by default; off again hides every piece at once.
 */
import { MessageFlags, PermissionFlagsBits, type ChatInputCommandInteraction } from 'discord.js';
import { setGalleryEnabled } from '../../db/gallery.js';
import type { BotContext } from '../context.js';
import { serverCommand } from './builder.js';
import { isAdmin } from './retrain.js';

export const data = serverCommand('gallery', "Show or hide this server's pieces in the web gallery (admins)")
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
  .addSubcommand((c) => c.setName('on').setDescription("Share this server's pieces in the web gallery"))
  .addSubcommand((c) => c.setName('off').setDescription("Hide this server's pieces from the web gallery (the default)"));

export async function execute(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void> {
  const guildId = interaction.guildId;
  if (!guildId) {
    await interaction.reply({ content: 'The gallery is per server: use /gallery in a server.', flags: MessageFlags.Ephemeral });
    return;
  }
  if (!isAdmin(interaction)) {
    await interaction.reply({ content: 'Only server admins (Manage Server) can open or close the gallery.', flags: MessageFlags.Ephemeral });
    return;
  }
  const enabled = interaction.options.getSubcommand() === 'on';
  await setGalleryEnabled(context.db.prisma, { id: guildId, name: interaction.guild?.name ?? null }, enabled);
  await interaction.reply(
    enabled
      ? "🖼️ Gallery on: this server's pieces are now shown on the web gallery — players, piano rolls, ratings, makers' display names and lineage. `/gallery off` hides them again."
      : "🙈 Gallery off: this server's pieces are no longer shown on the web.",
  );
}
