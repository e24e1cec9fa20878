/** The buttons under a piece: Play, Variation, Continue, Re-roll, Score (custom id `piece:<action>:<id>`). */
import { existsSync } from 'node:fs';
import { MessageFlags, type ButtonInteraction } from 'discord.js';
import { getPiece, type StoredPiece } from '../../db/pieces.js';
import type { BotContext, ButtonHandler } from '../context.js';
import { COMPOSE_PERMISSIONS, missingPermissionMessage, missingPermissions } from '../permissions.js';
import { playPiece } from '../voice/playback.js';
import { isPieceButton, parsePieceButtonId } from './embed.js';
import { continuationRequest, rerollRequest, variationRequest } from './lineage.js';
import { composeForInteraction, queueItemFor } from './service.js';
import { scoreAttachments, scoreMissingText, scoreReplyText } from './score.js';

/** Play on a piece whose audio the retention policy (or a person) removed from the bot's disk. */
export function audioGoneMessage(pieceId: number): string {
  return `🗑️ The audio of piece #${pieceId} is no longer stored (old pieces' audio is cleaned up to save space) — the files on the message still work, and Re-roll or Variation makes a new take.`;
}

export async function handlePieceButton(interaction: ButtonInteraction, context: BotContext): Promise<void> {
  const parsed = parsePieceButtonId(interaction.customId);
  if (!parsed) {
    await interaction.reply({ content: 'This button is from an older version of the bot — compose a new piece.', flags: MessageFlags.Ephemeral });
    return;
  }
  const piece = await getPiece(context.db.prisma, parsed.pieceId);
  if (!piece) {
    await interaction.reply({ content: `Piece #${parsed.pieceId} no longer exists.`, flags: MessageFlags.Ephemeral });
    return;
  }
  if (parsed.action === 'play') {
    if (!piece.audioPath || !existsSync(piece.audioPath)) {
      await interaction.reply({ content: audioGoneMessage(piece.id), flags: MessageFlags.Ephemeral });
      return;
    }
    await playPiece(context, interaction, queueItemFor(piece, piece.audioPath, interaction.user.id));
    return;
  }
  if (parsed.action === 'score') {
    await answerScore(interaction, context, piece);
    return;
  }
  const missing = missingPermissions(interaction.appPermissions, COMPOSE_PERMISSIONS);
  if (missing.length > 0) {
    await interaction.reply({ content: missingPermissionMessage(missing, 'post a piece in this channel'), flags: MessageFlags.Ephemeral });
    return;
  }
  // A new take plays only if the clicker sits in a voice channel (no "join voice" nagging).
  const play = Boolean(interaction.guild?.voiceStates.cache.get(interaction.user.id)?.channelId);
  const request =
    parsed.action === 'variation'
      ? variationRequest(piece, play)
      : parsed.action === 'continue'
        ? continuationRequest(piece, play)
        : rerollRequest(piece, play);
  await composeForInteraction(context, interaction, request);
}

/**
 * The Score button's answer. A piece's score.png is engraved after the piece is posted
 * (score-engraver.ts): pressed before it is ready, the answer is deferred until it is.
 */
async function answerScore(interaction: ButtonInteraction, context: BotContext, piece: StoredPiece): Promise<void> {
  const engraver = context.scoreEngraver;
  if (engraver && scoreAttachments(piece).length === 0) {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const ready = await engraver.ready(piece);
    const files = ready ? scoreAttachments(piece) : [];
    await interaction.editReply(files.length > 0 ? { content: scoreReplyText(piece.id), files } : { content: scoreMissingText(piece.id) });
    return;
  }
  const files = scoreAttachments(piece);
  await interaction.reply(
    files.length > 0
      ? { content: scoreReplyText(piece.id), files, flags: MessageFlags.Ephemeral }
      : { content: scoreMissingText(piece.id), flags: MessageFlags.Ephemeral },
  );
}

/** Play, Variation, Continue, Re-roll and Score under a piece (`piece:<action>:<id>`). */
export const pieceButtons: ButtonHandler = { matches: isPieceButton, execute: handlePieceButton };
