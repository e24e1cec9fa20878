/**
 * /model (server admins): list the model versions, or `/model use:VERSION` to switch — a roll
 * back is switching to an older version. The switch is atomic; compose jobs load the model at
 * their start, so the next piece uses it. With REDIS_URL both act on the cluster's model store
 * (the versions the workers compose with), not this machine's models folder.
 */
import { MessageFlags, PermissionFlagsBits, type ChatInputCommandInteraction } from 'discord.js';
import { formatShare, likedSharesByVersion } from '../../feedback/liked-share.js';
import { modelRows, type ModelListRow } from '../../feedback/model-rows.js';
import { syncModelVersions } from '../../feedback/versions-db.js';
import { setCurrentModel } from '../../model/registry.js';
import type { BotContext } from '../context.js';
import { serverCommand } from './builder.js';
import { isAdmin } from './retrain.js';

const SHOWN = 15;

/** `store`: the rows are a cluster's model store (REDIS_URL), not this machine's models folder. */
export function modelListText(rows: readonly ModelListRow[], options: { store?: boolean } = {}): string {
  if (rows.length === 0) {
    return options.store
      ? "No model versions in the cluster's model store yet: the workers compose with their own models folder's current model. `/model use:VERSION` publishes one from this bot's models folder."
      : 'No model versions yet.';
  }
  const byName = new Map(rows.map((r) => [r.name, r]));
  const lines = rows
    .slice(-SHOWN)
    .reverse()
    .map((r) => {
      const parentNll = r.parentNll !== null && r.validationNll !== null ? ` (parent ${r.parentNll.toFixed(3)})` : '';
      const nll = r.validationNll === null ? '' : ` · NLL ${r.validationNll.toFixed(3)}${parentNll}`;
      const parentLiked = r.parent ? byName.get(r.parent)?.liked : null;
      const liked = r.liked ? ` · liked ${formatShare(r.liked)}${parentLiked ? ` (parent ${formatShare(parentLiked)})` : ''}` : '';
      const why = r.status === 'rejected' && r.reason ? ` — ${r.reason.slice(0, 120)}` : '';
      return `${r.current ? '▶' : '•'} \`${r.name}\` ${r.status}${nll}${liked}${why}`;
    });
  return [...lines, rows.length > SHOWN ? `… and ${rows.length - SHOWN} older` : '', 'Switch with `/model use:VERSION`.']
    .filter((l) => l !== '')
    .join('\n')
    .slice(0, 1900);
}

export const data = serverCommand('model', 'Show or switch the model version (admins)')
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
  .addStringOption((o) => o.setName('use').setDescription('Version to switch to (roll back)').setMaxLength(60));

export async function execute(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void> {
  if (!isAdmin(interaction)) {
    await interaction.reply({ content: 'Only server admins (Manage Server) can see or switch model versions.', flags: MessageFlags.Ephemeral });
    return;
  }
  const version = interaction.options.getString('use')?.trim();
  if (!version) {
    const rows = context.feedback
      ? await context.feedback.listModels()
      : await modelRows(
          undefined,
          await likedSharesByVersion(context.db.prisma, { weights: context.config.ratingWeights, excludeUserIds: [context.client.user?.id ?? ''] }),
        );
    await interaction.reply({ content: modelListText(rows, { store: context.feedback?.listsStore ?? false }), flags: MessageFlags.Ephemeral });
    return;
  }
  const by = interaction.user.id;
  // Errors (unknown or rejected version) are InvalidInputErrors: the router shows their message.
  if (context.feedback) await context.feedback.useModel(version, { by });
  else {
    await setCurrentModel(version);
    // The table follows the pointer; the pointer alone decides what serves.
    await syncModelVersions(context.db.prisma).catch((error: unknown) =>
      context.logger.warn({ err: error, by }, 'the database did not follow the model switch'),
    );
  }
  await interaction.reply({ content: `Now using model **${version}** for new pieces.` });
}
