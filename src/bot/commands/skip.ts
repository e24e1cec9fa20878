/** /skip: the next piece plays (members of the bot's voice channel). */
import { voiceControlCommand } from './voice-control.js';
import { safeTitle } from '../voice/queue-view.js';

export const { data, execute } = voiceControlCommand('skip', 'Skip the piece that is playing', async (player, userId) => {
  const skipped = await player.skip();
  const next = player.nowPlaying;
  const after = next ? ` Now playing **${safeTitle(next.title)}**.` : ' The queue is empty.';
  return `⏭️ <@${userId}> skipped **${safeTitle(skipped?.title ?? 'the piece')}**.${after}`;
});
