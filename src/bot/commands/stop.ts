/** /stop: playback stops and the queue is cleared; the bot stays until it has been idle a while. */
import { voiceControlCommand } from './voice-control.js';
import { formatDuration } from '../voice/queue-view.js';

export const { data, execute } = voiceControlCommand('stop', 'Stop playback and clear the queue', async (player, userId, context) => {
  const dropped = await player.stop();
  const idle = formatDuration((context.players.options.idleTimeoutMs ?? 0) / 1000);
  return `⏹️ <@${userId}> stopped playback and cleared the queue (${dropped} piece${dropped === 1 ? '' : 's'}). I leave after ${idle} of silence, or use /leave.`;
});
