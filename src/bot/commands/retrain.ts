/**
 * /retrain (server admins): fine-tune the model on the ratings now. Runs in a low-priority child
 * process (the bot keeps serving); the reply shows progress and then the guardrail's verdict.
 */
import { MessageFlags, PermissionFlagsBits, type ChatInputCommandInteraction, type Client } from 'discord.js';
import { retrainInChild } from '../../feedback/retrain-child.js';
import type { RetrainOutcome, RetrainProgress } from '../../feedback/retrain.js';
import { changeSummary } from '../../feedback/outcome-text.js';
import { announcement, type FeedbackService } from '../../feedback/service.js';
import type { Logger } from '../../util/logger.js';
import { modelsDirectory } from '../../model/model-files.js';
import type { BotContext } from '../context.js';
import { serverCommand } from './builder.js';

/** Progress edits at most this often (Discord rate-limits message edits). */
const EDIT_EVERY_MS = 5000;

export function isAdmin(interaction: ChatInputCommandInteraction): boolean {
  return interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false;
}

export function outcomeMessage(outcome: RetrainOutcome): string {
  if (outcome.status === 'skipped') return `Nothing to retrain: ${outcome.reason}.`;
  if (outcome.status === 'accepted') {
    return `✅ **${outcome.version}** accepted${outcome.activated ? ' and now in use' : ''} — fine-tuned from ${outcome.parent} on ${outcome.likedPieces} liked piece(s), ${outcome.ratingsUsed} rating(s). ${changeSummary(outcome)}`;
  }
  return `❌ **${outcome.version}** rejected, ${outcome.parent} stays in use: ${outcome.reason}.`;
}

export const data = serverCommand('retrain', 'Fine-tune the model on the ratings now (admins)').setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild);

export async function execute(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void> {
  if (!isAdmin(interaction)) {
    await interaction.reply({ content: 'Only server admins (Manage Server) can retrain the model.', flags: MessageFlags.Ephemeral });
    return;
  }
  if (context.feedback?.busy) {
    await interaction.reply({ content: 'A retrain is already running — I will announce the result.', flags: MessageFlags.Ephemeral });
    return;
  }
  await interaction.deferReply();
  let lastEdit = 0;
  const onProgress = (p: RetrainProgress): void => {
    const now = Date.now();
    if (now - lastEdit < EDIT_EVERY_MS) return;
    lastEdit = now;
    void interaction.editReply({ content: `🔧 Retraining… ${Math.round(p.fraction * 100)} % — ${p.message}` }).catch(() => undefined);
  };
  const trigger = `/retrain by ${interaction.user.id}`;
  const outcome = context.feedback
    ? await context.feedback.retrainNow({ trigger, onProgress })
    : await retrainInChild(
        {
          databaseUrl: context.db.url,
          modelsDir: modelsDirectory(),
          weights: [...context.config.ratingWeights],
          excludeUserIds: [context.client.user?.id ?? ''],
        },
        { onProgress },
      );
  await interaction.editReply({ content: outcomeMessage(outcome) });
}

/**
 * Posts every accepted version in `channelId` (ANNOUNCE_CHANNEL_ID); nothing when unset. A failed
 * post is logged, never thrown: the new model serves either way.
 */
export function announceNewVersions(feedback: FeedbackService, client: Client, channelId: string | undefined, logger?: Pick<Logger, 'warn'>): void {
  if (!channelId) return;
  feedback.on('accepted', (outcome) => {
    void (async () => {
      const channel = await client.channels.fetch(channelId);
      if (!channel?.isSendable()) throw new Error(`channel ${channelId} cannot take messages`);
      await channel.send({ content: announcement(outcome), allowedMentions: { parse: [] } });
    })().catch((error: unknown) => logger?.warn({ err: error, channel: channelId }, 'could not announce the new model version'));
  });
}
