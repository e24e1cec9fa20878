/** The text of /queue and of the play confirmations (pure; Discord markdown). */
import type { QueueItem } from './guild-player.js';
import { channelMention } from './rules.js';

/** How many upcoming pieces /queue lists before "… and N more". */
export const QUEUE_LIST_LIMIT = 10;

/** 75 → "1:15", 3725 → "1:02:05". */
export function formatDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.round(totalSeconds));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** Titles come from users (seed text): keep them from breaking the markdown or pinging anyone. */
export function safeTitle(title: string): string {
  const flat = title.replace(/\s+/g, ' ').trim() || 'untitled';
  const short = flat.length > 80 ? `${flat.slice(0, 79)}…` : flat;
  return short.replace(/([\\*_~`|>[\]()])/g, '\\$1').replace(/@/g, '@\u200b');
}

const line = (item: QueueItem): string =>
  `**${safeTitle(item.title)}** (${formatDuration(item.seconds)}, piece \`${item.pieceId}\`, asked by <@${item.requestedBy}>)`;

export interface QueueView {
  readonly channelId: string | undefined;
  readonly current: QueueItem | undefined;
  readonly elapsedSeconds: number;
  readonly paused: boolean;
  readonly upcoming: readonly QueueItem[];
}

export function describeQueue(view: QueueView): string {
  if (!view.current && view.upcoming.length === 0) {
    return view.channelId
      ? `Nothing is playing in ${channelMention(view.channelId)} and the queue is empty — press **Play** on a piece or use \`/compose\` with \`play\`.`
      : 'Nothing is playing and the queue is empty — press **Play** on a piece or use `/compose` with `play`.';
  }
  const lines: string[] = [];
  if (view.current) {
    const where = view.channelId ? ` in ${channelMention(view.channelId)}` : '';
    const progress = `${formatDuration(Math.min(view.elapsedSeconds, view.current.seconds))} / ${formatDuration(view.current.seconds)}`;
    lines.push(`${view.paused ? '⏸️ Paused' : '▶️ Now playing'}${where}: ${line(view.current)} — ${progress}`);
  }
  if (view.upcoming.length === 0) {
    lines.push('Nothing queued after it.');
  } else {
    const total = view.upcoming.reduce((sum, item) => sum + item.seconds, 0);
    lines.push(`Up next (${view.upcoming.length}, ${formatDuration(total)}):`);
    view.upcoming.slice(0, QUEUE_LIST_LIMIT).forEach((item, i) => lines.push(`${i + 1}. ${line(item)}`));
    if (view.upcoming.length > QUEUE_LIST_LIMIT) lines.push(`… and ${view.upcoming.length - QUEUE_LIST_LIMIT} more`);
  }
  return lines.join('\n');
}

/** The answer to Play: where the piece landed. `position` 0 = playing now. */
export function describeEnqueued(item: QueueItem, position: number, channelId: string): string {
  return position === 0
    ? `▶️ Now playing **${safeTitle(item.title)}** (${formatDuration(item.seconds)}) in ${channelMention(channelId)}.`
    : `🎶 Queued **${safeTitle(item.title)}** in ${channelMention(channelId)} — position ${position} in the queue.`;
}
