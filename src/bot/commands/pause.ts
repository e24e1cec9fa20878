/** /pause: pauses the piece that is playing (/resume continues it). */
import { nowPlayingTitle, voiceControlCommand } from './voice-control.js';

export const { data, execute } = voiceControlCommand('pause', 'Pause playback', async (player, userId) => {
  const name = nowPlayingTitle(player);
  await player.pause();
  return `⏸️ <@${userId}> paused ${name} — /resume continues it.`;
});
