/**
 * Leaves a voice channel once nobody is listening: every voice state change in a guild with a
 * player re-counts the people (not bots) in the bot's channel; the player leaves after its
 * grace period unless someone comes back.
 */
import { Events, type Client, type Guild, type VoiceState } from 'discord.js';
import type { GuildPlayer, PlayerRegistry } from './guild-player.js';
import { countListeners } from './rules.js';

const watched = new WeakMap<Client, PlayerRegistry>();

/** Starts watching (once per client; later calls are no-ops). Returns a function that stops it. */
export function watchVoicePresence(client: Client, players: PlayerRegistry): () => void {
  if (watched.get(client) === players) return () => undefined;
  watched.set(client, players);
  const onVoiceState = (oldState: VoiceState, newState: VoiceState): void => {
    const player = players.get(newState.guild.id);
    if (!player) return;
    // Our own state: a null channel means we were disconnected; the connection handles that.
    if (newState.id === client.user?.id && newState.channelId === null) return;
    if (oldState.channelId === newState.channelId && newState.id !== client.user?.id) return;
    updateAlone(newState.guild, player);
  };
  client.on(Events.VoiceStateUpdate, onVoiceState);
  return () => {
    client.off(Events.VoiceStateUpdate, onVoiceState);
    if (watched.get(client) === players) watched.delete(client);
  };
}

/** Counts the listeners in the player's channel now (also right after joining: the caller may have left). */
export function updateAlone(guild: Guild, player: GuildPlayer): void {
  const channelId = player.channelId;
  if (channelId === undefined || player.isDestroyed) return;
  const botId = guild.client.user.id;
  const states = [...guild.voiceStates.cache.values()].map((state) => ({
    channelId: state.channelId,
    isBot: state.id === botId || (state.member?.user.bot ?? false),
  }));
  player.setAlone(countListeners(states, channelId) === 0);
}
