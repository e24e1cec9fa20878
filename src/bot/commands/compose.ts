/** /compose: checks what can be checked at once (ephemeral answers), then hands over to the compose service. */
import { MessageFlags, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import type { BotContext } from '../context.js';
import { composeForInteraction } from '../compose/service.js';
import { SLASH_COMPOSE_LIMITS as LIMITS, SLASH_METERS, checkComposeInput, checkMidiAttachment, composeInputFromSlash } from '../compose/request.js';
import { pieceOptions } from './builder.js';
import { COMPOSE_PERMISSIONS, missingPermissionMessage, missingPermissions } from '../permissions.js';

/** The caller's voice channel, if they are in one (from the cached voice states). */
export function callerVoiceChannelId(
  interaction: ChatInputCommandInteraction | { guild: ChatInputCommandInteraction['guild']; user: { id: string } },
): string | null {
  return interaction.guild?.voiceStates.cache.get(interaction.user.id)?.channelId ?? null;
}

export const data = new SlashCommandBuilder()
  .setName('compose')
  .setDescription('Compose a piece from a few seed notes or a MIDI file')
  .addStringOption((o) => o.setName('seed').setDescription('Seed notes, e.g. "C4q E4q G4h | [C4 E4 G4]w"').setMaxLength(LIMITS.seedLength))
  .addAttachmentOption((o) => o.setName('midi').setDescription('A MIDI file to continue (its first bars)'))
  .addStringOption(pieceOptions.style)
  .addStringOption((o) => o.setName('instruments').setDescription('Instruments, e.g. "piano,strings,bass,drums"').setMaxLength(LIMITS.instrumentsLength))
  .addIntegerOption((o) => o.setName('tracks').setDescription('Number of tracks').setMinValue(LIMITS.tracks.min).setMaxValue(LIMITS.tracks.max))
  .addIntegerOption(pieceOptions.tempo)
  .addIntegerOption((o) => o.setName('length').setDescription('Length in bars').setMinValue(LIMITS.length.min).setMaxValue(LIMITS.length.max))
  .addNumberOption(pieceOptions.temperature)
  .addStringOption((o) => o.setName('key').setDescription('Key, e.g. "D minor"').setMaxLength(LIMITS.keyLength))
  .addIntegerOption(pieceOptions.sampleSeed)
  .addBooleanOption(pieceOptions.play)
  .addIntegerOption((o) =>
    o
      .setName('takes')
      .setDescription('2: two takes side by side (A and B) to rate and pick from (default 1)')
      .setMinValue(LIMITS.takes.min)
      .setMaxValue(LIMITS.takes.max),
  )
  .addStringOption((o) =>
    o
      .setName('meter')
      .setDescription("Time signature (default: the seed's, else 4/4)")
      .addChoices(...SLASH_METERS.map((m) => ({ name: m, value: m }))),
  )
  .addStringOption((o) => o.setName('form').setDescription('Sections that return: AABA, ABAB, AABB, ABA, verse-chorus, rondo…').setMaxLength(LIMITS.formLength))
  .addBooleanOption(pieceOptions.score);

export async function execute(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void> {
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
    takes: options.getInteger('takes'),
    meter: options.getString('meter'),
    form: options.getString('form'),
    score: options.getBoolean('score'),
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
}
