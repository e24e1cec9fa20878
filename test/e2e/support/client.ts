import { Client, Events, GatewayIntentBits, Partials } from 'discord.js';
import type { DiscordSimulator } from '../../sim/index.js';

/** A logged-in plain discord.js client pointed at the simulator (READY and all GUILD_CREATEs handled). */
export async function loginClient(sim: DiscordSimulator): Promise<Client> {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates, GatewayIntentBits.GuildMessageReactions, GatewayIntentBits.GuildMessages],
    partials: [Partials.Message, Partials.Channel, Partials.Reaction],
    ...sim.clientOptions(),
  });
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(sim.token);
  await ready;
  return client;
}
