/**
 * /harmonize: the given melody (seed notes or a MIDI attachment's first pitched track) kept as is,
 * the model's accompaniment around it. Checks what can be checked at once (ephemeral answers),
 * then hands over to the compose service, which routes the job to the harmonize use case and
 * posts /compose's result message.
 */
import { MessageFlags, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import { checkHarmonizeInput, harmonizeInputSchema } from '../../app/harmonize.js';
import type { BotContext } from '../context.js';
import { composeForInteraction } from '../compose/service.js';
import { SLASH_COMPOSE_LIMITS as LIMITS, checkComposeInput, checkMidiAttachment, composeInputFromSlash } from '../compose/request.js';
import { pieceOptions } from './builder.js';
import { COMPOSE_PERMISSIONS, missingPermissionMessage, missingPermissions } from '../permissions.js';
import { callerVoiceChannelId } from './compose.js';

/** The fewest tracks a harmonization has (the melody's and one more), as the harmonize schema states it. */
const MIN_TRACKS = harmonizeInputSchema.shape.tracks.unwrap().minValue ?? 2;

export const data = new SlashCommandBuilder()
  .setName('harmonize')
  .setDescription('Keep a melody exactly and let the model write the accompaniment around it')
  .addStringOption((o) => o.setName('seed').setDescription('The melody, e.g. "E4q D4q C4h | G4q F4q E4h"').setMaxLength(LIMITS.seedLength))
  .addAttachmentOption((o) => o.setName('midi').setDescription('A MIDI file whose first track is the melody'))
  .addStringOption(pieceOptions.style)
  .addStringOption((o) =>
    o.setName('instruments').setDescription('Instruments, the melody\'s first, e.g. "flute,piano,bass"').setMaxLength(LIMITS.instrumentsLength),
  )
  .addIntegerOption((o) => o.setName('tracks').setDescription("Number of tracks, the melody's included").setMinValue(MIN_TRACKS).setMaxValue(LIMITS.tracks.max))
  .addIntegerOption(pieceOptions.tempo)
  .addNumberOption(pieceOptions.temperature)
  .addStringOption((o) => o.setName('key').setDescription('Key of the accompaniment, e.g. "D minor"').setMaxLength(LIMITS.keyLength))
  .addIntegerOption(pieceOptions.sampleSeed)
  .addBooleanOption(pieceOptions.play)
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
    temperature: options.getNumber('temperature'),
    key: options.getString('key'),
    sampleSeed: options.getInteger('sample_seed'),
    score: options.getBoolean('score'),
  });
  const attachment = options.getAttachment('midi');
  if (attachment) checkMidiAttachment({ name: attachment.name, size: attachment.size, contentType: attachment.contentType });
  await checkComposeInput(input, attachment !== null, checkHarmonizeInput);
  const play = options.getBoolean('play') ?? callerVoiceChannelId(interaction) !== null;
  await composeForInteraction(context, interaction, {
    kind: 'original',
    useCase: 'harmonize',
    input,
    ...(attachment ? { midi: { url: attachment.url, name: attachment.name } } : {}),
    play,
  });
}
