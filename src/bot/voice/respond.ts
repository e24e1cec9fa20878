/** Answering an interaction whatever state it is in (fresh, deferred by us, or already answered). */
import { MessageFlags, type ButtonInteraction, type ChatInputCommandInteraction } from 'discord.js';

export type VoiceInteraction = ButtonInteraction | ChatInputCommandInteraction;

/** Users' and titles' mentions are shown, never pinged. */
const NO_PINGS = { parse: [] as [] };

/**
 * A fresh interaction gets a reply; one that was deferred or answered before gets a follow-up
 * (the caller's deferred "thinking" message is the caller's to fill in). `ownDeferral` marks a
 * deferral made for this answer: then the deferred message itself is filled in.
 */
export async function respond(interaction: VoiceInteraction, content: string, options: { ephemeral?: boolean; ownDeferral?: boolean } = {}): Promise<void> {
  const flags = options.ephemeral ? MessageFlags.Ephemeral : undefined;
  if (!interaction.deferred && !interaction.replied) {
    await interaction.reply({ content, allowedMentions: NO_PINGS, ...(flags ? { flags } : {}) });
  } else if (options.ownDeferral && interaction.deferred && !interaction.replied) {
    await interaction.editReply({ content, allowedMentions: NO_PINGS });
  } else {
    await interaction.followUp({ content, allowedMentions: NO_PINGS, ...(flags ? { flags } : {}) });
  }
}

/** The caller's voice channel in the interaction's guild (from the gateway's voice states), if any. */
export function memberVoiceChannelId(interaction: VoiceInteraction): string | undefined {
  return interaction.guild?.voiceStates.cache.get(interaction.user.id)?.channelId ?? undefined;
}
