import { Readable } from 'node:stream';
import {
  AudioPlayerStatus,
  StreamType,
  VoiceConnectionStatus,
  createAudioPlayer,
  createAudioResource,
  entersState,
  getVoiceConnection,
  joinVoiceChannel,
  type VoiceConnection,
} from '@discordjs/voice';
import { ApplicationCommandOptionType, Client, Events, GatewayIntentBits, GuildMember, Partials, type ChatInputCommandInteraction } from 'discord.js';
import type { DiscordSimulator } from '../../sim/index.js';

/**
 * A plain discord.js bot (no Rhythmix code) used to prove the simulator end to end: it registers
 * /play, downloads the attached Ogg/Opus file, answers with a deferred reply carrying the file and
 * plays it in the caller's voice channel with @discordjs/voice.
 */
export interface PlainBot {
  client: Client;
  /** Errors the bot hit while handling events (a test asserts there were none). */
  errors: Error[];
  stop(): Promise<void>;
}

export async function startPlainBot(sim: DiscordSimulator, voiceOptions: { daveEncryption?: boolean } = {}): Promise<PlainBot> {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates, GatewayIntentBits.GuildMessageReactions],
    partials: [Partials.Message, Partials.Channel, Partials.Reaction],
    ...sim.clientOptions(),
  });
  const errors: Error[] = [];
  const connections = new Set<VoiceConnection>();

  client.on(Events.InteractionCreate, (interaction) => {
    if (!interaction.isChatInputCommand() || interaction.commandName !== 'play') return;
    play(interaction).catch((error: unknown) => errors.push(error instanceof Error ? error : new Error(String(error))));
  });

  async function play(interaction: ChatInputCommandInteraction): Promise<void> {
    await interaction.deferReply();
    const attachment = interaction.options.getAttachment('file', true);
    const bytes = Buffer.from(await (await fetch(attachment.url)).arrayBuffer());
    const member = interaction.member instanceof GuildMember ? interaction.member : await interaction.guild!.members.fetch(interaction.user.id);
    const channel = member.voice.channel;
    if (!channel) {
      await interaction.editReply('Join a voice channel first.');
      return;
    }
    await interaction.editReply({ content: `Playing ${attachment.name} in ${channel.name}`, files: [{ attachment: bytes, name: `echo-${attachment.name}` }] });
    const connection = joinVoiceChannel({
      channelId: channel.id,
      guildId: channel.guild.id,
      adapterCreator: channel.guild.voiceAdapterCreator,
      ...voiceOptions,
    });
    connections.add(connection);
    connection.on('error', (error) => errors.push(error));
    await entersState(connection, VoiceConnectionStatus.Ready, 10_000);
    const player = createAudioPlayer();
    player.on('error', (error) => errors.push(error));
    connection.subscribe(player);
    player.play(createAudioResource(Readable.from([bytes]), { inputType: StreamType.OggOpus }));
    await entersState(player, AudioPlayerStatus.Playing, 5_000);
    await entersState(player, AudioPlayerStatus.Idle, 60_000);
  }

  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(sim.token);
  await ready;
  await client.application!.commands.set([
    {
      name: 'play',
      description: 'Play an Ogg/Opus file in your voice channel',
      options: [{ name: 'file', description: 'Ogg/Opus audio', type: ApplicationCommandOptionType.Attachment, required: true }],
    },
  ]);

  return {
    client,
    errors,
    async stop() {
      for (const guild of client.guilds.cache.values()) getVoiceConnection(guild.id)?.destroy();
      for (const connection of connections) if (connection.state.status !== VoiceConnectionStatus.Destroyed) connection.destroy();
      await client.destroy();
    },
  };
}
