// A plain discord.js + @discordjs/voice client run as its own process, the way the real bot runs.
// It trusts the simulator's voice certificate only through NODE_EXTRA_CA_CERTS (read at start-up).
// Prints one JSON line per milestone on stdout; exits 0 when the file was played or voice failed.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { AudioPlayerStatus, StreamType, VoiceConnectionStatus, createAudioPlayer, createAudioResource, entersState, joinVoiceChannel } from '@discordjs/voice';
import { Client, Events, GatewayIntentBits } from 'discord.js';

const { DISCORD_TOKEN, DISCORD_API_URL, VOICE_CHANNEL_ID, OGG_PATH } = process.env;
const report = (event, extra = {}) => console.log(JSON.stringify({ event, ...extra }));

const client = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates], rest: { api: DISCORD_API_URL } });
client.once(Events.ClientReady, async () => {
  report('ready', { node: process.versions.node });
  const channel = client.channels.cache.get(VOICE_CHANNEL_ID);
  const connection = joinVoiceChannel({ channelId: channel.id, guildId: channel.guild.id, adapterCreator: channel.guild.voiceAdapterCreator });
  let failed = false;
  connection.on('error', (error) => {
    if (failed) return;
    failed = true;
    report('voice-error', { code: error.code ?? null, message: error.message });
    connection.destroy();
    void client.destroy().then(() => process.exit(0));
  });
  try {
    await entersState(connection, VoiceConnectionStatus.Ready, 8_000);
    report('voice-ready');
    const player = createAudioPlayer();
    connection.subscribe(player);
    player.play(createAudioResource(Readable.from([readFileSync(OGG_PATH)]), { inputType: StreamType.OggOpus }));
    await entersState(player, AudioPlayerStatus.Playing, 5_000);
    await entersState(player, AudioPlayerStatus.Idle, 30_000);
    report('played');
    connection.destroy();
    await client.destroy();
    process.exit(0);
  } catch (error) {
    if (!failed) {
      report('timeout', { message: String(error) });
      process.exit(1);
    }
  }
});
await client.login(DISCORD_TOKEN);
