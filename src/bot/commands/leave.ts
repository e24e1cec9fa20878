/** /leave: the bot leaves the voice channel, dropping what was queued. */
import { voiceControlCommand } from './voice-control.js';
import { channelMention } from '../voice/rules.js';

export const { data, execute } = voiceControlCommand('leave', 'Leave the voice channel', async (player, userId) => {
  const channelId = player.channelId;
  const dropped = player.upcoming.length + (player.nowPlaying ? 1 : 0);
  player.destroy('command');
  const cleared = dropped > 0 ? ` and cleared the queue (${dropped} piece${dropped === 1 ? '' : 's'})` : '';
  return `👋 <@${userId}> sent me out of ${channelId ? channelMention(channelId) : 'the voice channel'}${cleared}.`;
});
