/** /top: the best rated pieces this week and of all time (ratings weighted by RATING_EMOJIS). */
import { EmbedBuilder, type APIEmbed, type ChatInputCommandInteraction } from 'discord.js';
import { topRated, type ScoredPiece } from '../../db/ratings.js';
import type { StoredPiece } from '../../db/pieces.js';
import type { BotContext } from '../context.js';
import { serverCommand } from './builder.js';

export const TOP_LIMIT = 10;
const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

/** Link to the message that shows the piece, when it is known. */
export function pieceLink(piece: Pick<StoredPiece, 'guildId' | 'channelId' | 'messageId'>): string | undefined {
  if (!piece.guildId || !piece.channelId || !piece.messageId) return undefined;
  return `https://discord.com/channels/${piece.guildId}/${piece.channelId}/${piece.messageId}`;
}

/** One line per piece: rank, id (linked), style, score, voters, author. */
export function topLines(scored: readonly ScoredPiece[]): string {
  if (scored.length === 0) return 'No rated pieces yet — react under a piece to rate it.';
  return scored
    .map(({ piece, score, voters }, index) => {
      const link = pieceLink(piece);
      const id = link ? `[#${piece.id}](${link})` : `#${piece.id}`;
      const author = piece.authorId ? ` by <@${piece.authorId}>` : '';
      return `${index + 1}. **${id}** · ${piece.style} · score ${score} (${voters} voter${voters === 1 ? '' : 's'})${author}`;
    })
    .join('\n');
}

export function topEmbed(sections: ReadonlyArray<{ title: string; scored: readonly ScoredPiece[] }>): APIEmbed {
  return new EmbedBuilder()
    .setTitle('🏆 Top pieces')
    .setColor(0xf1c40f)
    .addFields(sections.map((s) => ({ name: s.title, value: topLines(s.scored).slice(0, 1024) })))
    .toJSON();
}

export const data = serverCommand('top', 'Best rated pieces').addStringOption((o) =>
  o
    .setName('period')
    .setDescription('This week or all time (default: both)')
    .addChoices({ name: 'this week', value: 'week' }, { name: 'all time', value: 'all' }),
);

export async function execute(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void> {
  const period = interaction.options.getString('period');
  const base = {
    weights: context.config.ratingWeights,
    limit: TOP_LIMIT,
    ...(interaction.guildId ? { guildId: interaction.guildId } : {}),
    // The bot's own reactions are the buttons people click, not votes.
    excludeUserIds: [context.client.user?.id ?? ''],
  };
  const sections: Array<{ title: string; scored: ScoredPiece[] }> = [];
  if (period !== 'all') sections.push({ title: 'This week', scored: await topRated(context.db.prisma, { ...base, since: new Date(Date.now() - WEEK_MS) }) });
  if (period !== 'week') sections.push({ title: 'All time', scored: await topRated(context.db.prisma, base) });
  await interaction.reply({ embeds: [topEmbed(sections)], allowedMentions: { parse: [] } });
}
