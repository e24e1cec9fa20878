/** /resume: continues a paused piece. */
import { nowPlayingTitle, voiceControlCommand } from './voice-control.js';

export const { data, execute } = voiceControlCommand('resume', 'Resume playback', async (player, userId) => {
  await player.resume();
  return `▶️ <@${userId}> resumed ${nowPlayingTitle(player)}.`;
});
