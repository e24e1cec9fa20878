import {
  PermissionFlagsBits,
  SlashCommandBuilder,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { MAX_SAMPLING_SEED } from '../../compose/options.js';
import { STYLES } from '../../music/styles.js';

/**
 * Every slash command's shape, built once: `deploy-commands` sends exactly these objects and the
 * bot's dispatcher routes by the same names, so registration and handling never drift apart.
 */
export const composeCommand = new SlashCommandBuilder()
  .setName('compose')
  .setDescription('Compose a piece from a few seed notes or a MIDI file')
  .addStringOption((o) =>
    o.setName('seed').setDescription('Seed notes, e.g. "C4q E4q G4h | [C4 E4 G4]w"').setMaxLength(500),
  )
  .addAttachmentOption((o) => o.setName('midi').setDescription('A MIDI file to continue (its first bars)'))
  .addStringOption((o) =>
    o
      .setName('style')
      .setDescription('Musical style')
      .addChoices(...STYLES.map((s) => ({ name: s, value: s }))),
  )
  .addStringOption((o) =>
    o.setName('instruments').setDescription('Instruments, e.g. "piano,strings,bass,drums"').setMaxLength(100),
  )
  .addIntegerOption((o) => o.setName('tracks').setDescription('Number of tracks').setMinValue(1).setMaxValue(5))
  .addIntegerOption((o) => o.setName('tempo').setDescription('Tempo in BPM').setMinValue(30).setMaxValue(300))
  .addIntegerOption((o) => o.setName('length').setDescription('Length in bars').setMinValue(1).setMaxValue(64))
  .addNumberOption((o) =>
    o.setName('temperature').setDescription('Sampling temperature (0.1–2, default 1)').setMinValue(0.1).setMaxValue(2),
  )
  .addStringOption((o) => o.setName('key').setDescription('Key, e.g. "D minor"').setMaxLength(20))
  .addIntegerOption((o) =>
    o
      .setName('sample_seed')
      .setDescription('Sampling seed: the same number and options make the same piece (default: random)')
      .setMinValue(0)
      .setMaxValue(MAX_SAMPLING_SEED),
  )
  .addBooleanOption((o) => o.setName('play').setDescription('Play it in your voice channel (default: yes)'));

const simple = (name: string, description: string) =>
  new SlashCommandBuilder().setName(name).setDescription(description).setDMPermission(false);

export const queueCommand = simple('queue', 'Show what is playing and what comes next');
export const skipCommand = simple('skip', 'Skip the piece that is playing');
export const stopCommand = simple('stop', 'Stop playback and clear the queue');
export const pauseCommand = simple('pause', 'Pause playback');
export const resumeCommand = simple('resume', 'Resume playback');
export const leaveCommand = simple('leave', 'Leave the voice channel');

export const topCommand = simple('top', 'Best rated pieces').addStringOption((o) =>
  o
    .setName('period')
    .setDescription('This week or all time (default: both)')
    .addChoices({ name: 'this week', value: 'week' }, { name: 'all time', value: 'all' }),
);

export const pieceCommand = simple('piece', 'Show a piece with its ratings and lineage').addStringOption((o) =>
  o.setName('id').setDescription('Piece id').setRequired(true).setMaxLength(40),
);

export const retrainCommand = simple('retrain', 'Fine-tune the model on the ratings now (admins)')
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild);

export const modelCommand = simple('model', 'Show or switch the model version (admins)')
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
  .addStringOption((o) => o.setName('use').setDescription('Version to switch to (roll back)').setMaxLength(60));

export const ALL_COMMANDS = [
  composeCommand,
  queueCommand,
  skipCommand,
  stopCommand,
  pauseCommand,
  resumeCommand,
  leaveCommand,
  topCommand,
  pieceCommand,
  retrainCommand,
  modelCommand,
] as const;

export function commandPayloads(): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return ALL_COMMANDS.map((c) => c.toJSON());
}
