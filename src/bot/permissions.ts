/**
 * The permissions the bot uses — exactly these go into the invite URL — and the check that
 * tells a user which one is missing in a channel.
 */
import { PermissionFlagsBits, PermissionsBitField } from 'discord.js';

type PermissionName = keyof typeof PermissionFlagsBits;

/** Each permission the bot needs, with what it is needed for (shown in docs and errors). */
export const BOT_PERMISSIONS: ReadonlyArray<{ readonly name: PermissionName; readonly label: string; readonly why: string }> = [
  { name: 'ViewChannel', label: 'View Channel', why: 'see the channel it composes in' },
  { name: 'SendMessages', label: 'Send Messages', why: 'announce new model versions in ANNOUNCE_CHANNEL_ID' },
  { name: 'EmbedLinks', label: 'Embed Links', why: "show a piece's details as an embed" },
  { name: 'AttachFiles', label: 'Attach Files', why: 'post the audio, MIDI file and piano roll' },
  { name: 'AddReactions', label: 'Add Reactions', why: 'add the rating reactions under a piece' },
  { name: 'ReadMessageHistory', label: 'Read Message History', why: 'react to its own pieces and count ratings on older ones' },
  { name: 'Connect', label: 'Connect', why: 'join your voice channel' },
  { name: 'Speak', label: 'Speak', why: 'play pieces in the voice channel' },
];

/** Permissions a /compose reply needs in the text channel. */
export const COMPOSE_PERMISSIONS: readonly PermissionName[] = ['ViewChannel', 'EmbedLinks', 'AttachFiles', 'AddReactions', 'ReadMessageHistory'];

/** The permission integer of the invite URL (computed from discord.js's flags, never typed by hand). */
export function invitePermissions(): bigint {
  return BOT_PERMISSIONS.reduce((bits, p) => bits | PermissionFlagsBits[p.name], 0n);
}

/** `bot` adds the bot user, `applications.commands` lets it register slash commands. */
export function inviteUrl(applicationId: string): string {
  const query = new URLSearchParams({ client_id: applicationId, scope: 'bot applications.commands', permissions: invitePermissions().toString() });
  return `https://discord.com/oauth2/authorize?${query.toString().replace(/\+/g, '%20')}`;
}

function label(name: PermissionName): string {
  return BOT_PERMISSIONS.find((p) => p.name === name)?.label ?? name.replace(/([a-z])([A-Z])/g, '$1 $2');
}

/** Labels of the permissions in `needed` that `granted` lacks (Administrator grants all). */
export function missingPermissions(granted: PermissionsBitField | bigint | null | undefined, needed: readonly PermissionName[]): string[] {
  if (granted === null || granted === undefined) return [];
  const bits = typeof granted === 'bigint' ? new PermissionsBitField(granted) : granted;
  if (bits.has(PermissionFlagsBits.Administrator)) return [];
  return needed.filter((name) => !bits.has(PermissionFlagsBits[name])).map(label);
}

/** The sentence a user sees when the bot cannot work in a channel. */
export function missingPermissionMessage(missing: readonly string[], where = 'in this channel'): string {
  const list = missing.map((m) => `**${m}**`).join(', ');
  return `I can't do that ${where}: I'm missing the permission${missing.length === 1 ? '' : 's'} ${list}. Ask a server admin to grant ${missing.length === 1 ? 'it' : 'them'} to my role (or to me in this channel).`;
}
