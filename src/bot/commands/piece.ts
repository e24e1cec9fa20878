/** /piece ID: a piece with its ratings and lineage (what it came from, what was made from it). */
import { MessageFlags, type APIEmbed, type ChatInputCommandInteraction } from 'discord.js';
import { getPieceWithLineage, type StoredPiece } from '../../db/pieces.js';
import { ratingCounts } from '../../db/ratings.js';
import type { RatingEmoji } from '../../config/rating-emojis.js';
import type { BotContext } from '../context.js';
import { serverCommand } from './builder.js';
import { pieceEmbed } from '../compose/embed.js';
import { pieceLink } from './top.js';

/** "12", "#12" → 12; anything else → null. */
export function parsePieceId(text: string): number | null {
  const match = /^\s*#?(\d{1,12})\s*$/.exec(text);
  return match ? Number(match[1]) : null;
}

function ref(piece: StoredPiece): string {
  const link = pieceLink(piece);
  return link ? `[#${piece.id}](${link}) (${piece.kind})` : `#${piece.id} (${piece.kind})`;
}

/** The configured rating emojis with their current counts, e.g. "👍 3 · 👎 0 · ❤️ 1 · 🔥 0". */
export function ratingSummary(emojis: readonly RatingEmoji[], counts: ReadonlyMap<string, number>): string {
  return emojis.map((e) => `${e.emoji} ${counts.get(e.key) ?? 0}`).join(' · ');
}

export const data = serverCommand('piece', 'Show a piece with its ratings and lineage').addStringOption((o) =>
  o.setName('id').setDescription('Piece id').setRequired(true).setMaxLength(40),
);

export async function execute(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void> {
  const text = interaction.options.getString('id', true);
  const id = parsePieceId(text);
  if (id === null) {
    await interaction.reply({
      content: `"${text.slice(0, 40)}" is not a piece id — use the number from a piece's title, e.g. \`/piece id:12\`.`,
      flags: MessageFlags.Ephemeral,
    });
    return;
  }
  const found = await getPieceWithLineage(context.db.prisma, id);
  if (!found || (found.piece.guildId !== null && interaction.guildId !== null && found.piece.guildId !== interaction.guildId)) {
    await interaction.reply({ content: `There is no piece #${id} on this server.`, flags: MessageFlags.Ephemeral });
    return;
  }
  const counts = await ratingCounts(context.db.prisma, id);
  const embed: APIEmbed = pieceEmbed(found.piece);
  const link = pieceLink(found.piece);
  embed.fields = [
    ...(embed.fields ?? []),
    { name: 'Ratings', value: ratingSummary(context.config.ratingEmojis, counts) || '—' },
    { name: 'Made from', value: found.parent ? ref(found.parent) : '—', inline: true },
    { name: 'Made from it', value: found.children.length ? found.children.slice(0, 15).map(ref).join(', ') : '—', inline: true },
  ];
  if (link) embed.url = link;
  await interaction.reply({ embeds: [embed], allowedMentions: { parse: [] } });
}
