/** /compose: checks what can be checked at once (ephemeral answers), then hands over to the compose service. */
import { MessageFlags, type ChatInputCommandInteraction } from 'discord.js';
import type { BotContext, SlashCommandHandler } from '../context.js';
import { composeForInteraction } from '../compose/service.js';
import { checkComposeInput, checkMidiAttachment, composeInputFromSlash } from '../compose/request.js';
import { COMPOSE_PERMISSIONS, missingPermissionMessage, missingPermissions } from '../permissions.js';

/** The caller's voice channel, if they are in one (from the cached voice states). */
export function callerVoiceChannelId(interaction: ChatInputCommandInteraction | { guild: ChatInputCommandInteraction['guild']; user: { id: string } }): string | null {
  return interaction.guild?.voiceStates.cache.get(interaction.user.id)?.channelId ?? null;
}

export const composeHandler: SlashCommandHandler = {
  name: 'compose',
  async execute(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void> {
    const missing = missingPermissions(interaction.appPermissions, COMPOSE_PERMISSIONS);
    if (missing.length > 0) {
      await interaction.reply({ content: missingPermissionMessage(missing, 'post a piece in this channel'), flags: MessageFlags.Ephemeral });
      return;
    }
    const options = interaction.options;
    const input = composeInputFromSlash({
      seed: options.getString('seed'),
      style: options.getString('style'),
      instruments: options.getString('instruments'),
      tracks: options.getInteger('tracks'),
      tempo: options.getInteger('tempo'),
      length: options.getInteger('length'),
      temperature: options.getNumber('temperature'),
      key: options.getString('key'),
      sampleSeed: options.getInteger('sample_seed'),
    });
    const attachment = options.getAttachment('midi');
    if (attachment) checkMidiAttachment({ name: attachment.name, size: attachment.size, contentType: attachment.contentType });
    // Throws InvalidInputError (bad seed notes point at the mistake); the router answers ephemerally.
    await checkComposeInput(input, attachment !== null);
    // Playing is the default when the caller sits in a voice channel; asking for it explicitly
    // without being in one gets the voice player's "join a voice channel" answer.
    const play = options.getBoolean('play') ?? callerVoiceChannelId(interaction) !== null;
    await composeForInteraction(context, interaction, {
      kind: 'original',
      input,
      ...(attachment ? { midi: { url: attachment.url, name: attachment.name } } : {}),
      play,
    });
  },
};
