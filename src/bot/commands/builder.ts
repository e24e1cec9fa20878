/** What the command modules' `data` builders share. */
import {
  SlashCommandBuilder,
  type SlashCommandBooleanOption,
  type SlashCommandIntegerOption,
  type SlashCommandNumberOption,
  type SlashCommandStringOption,
} from 'discord.js';
import { STYLES } from '../../music/styles.js';
import { SLASH_COMPOSE_LIMITS as LIMITS } from '../compose/request.js';

/** A command for servers only, hidden in direct messages (every command but /compose). */
export function serverCommand(name: string, description: string): SlashCommandBuilder {
  return new SlashCommandBuilder().setName(name).setDescription(description).setDMPermission(false);
}

/** The options /compose and /harmonize ask alike, so their wording and bounds cannot drift apart. */
export const pieceOptions = {
  style: (o: SlashCommandStringOption) =>
    o
      .setName('style')
      .setDescription('Musical style')
      .addChoices(...STYLES.map((s) => ({ name: s, value: s }))),
  tempo: (o: SlashCommandIntegerOption) => o.setName('tempo').setDescription('Tempo in BPM').setMinValue(LIMITS.tempo.min).setMaxValue(LIMITS.tempo.max),
  temperature: (o: SlashCommandNumberOption) =>
    o
      .setName('temperature')
      .setDescription(`Sampling temperature (${LIMITS.temperature.min}–${LIMITS.temperature.max}, default 1)`)
      .setMinValue(LIMITS.temperature.min)
      .setMaxValue(LIMITS.temperature.max),
  sampleSeed: (o: SlashCommandIntegerOption) =>
    o
      .setName('sample_seed')
      .setDescription('Sampling seed: the same number and options make the same piece (default: random)')
      .setMinValue(LIMITS.sampleSeed.min)
      .setMaxValue(LIMITS.sampleSeed.max),
  play: (o: SlashCommandBooleanOption) => o.setName('play').setDescription('Play it in your voice channel (default: yes)'),
  score: (o: SlashCommandBooleanOption) => o.setName('score').setDescription('Attach the sheet music to the result (default: behind its Score button)'),
};
