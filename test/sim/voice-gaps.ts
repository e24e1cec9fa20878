/**
 * Measuring voice smoothness from the receiving end: the gaps between the packets the simulator
 * received, less the time the measuring process itself was not running (shared by the voice-gap
 * e2e test and the soak).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { ReceivedPacket } from './audio-analysis.js';

/**
 * Linux shares the CPU equally between sessions ("autogroups") whatever the nice values inside
 * them, so on a shared machine other people's builds would show up as gaps here. This gives a
 * session (the bot's, and this process's, which timestamps the packets) a larger share when
 * allowed (root or CAP_SYS_NICE). The bot's own compose jobs run inside its session, at nice 10
 * behind its voice thread: that contention is what this test measures and it stays. Returns the
 * previous value to restore, or undefined when the kernel has no autogroups or refused.
 * VOICE_GAP_NO_SESSION_NICE=1 leaves the shares alone (to see what a busy shared machine does).
 */
export function setSessionNice(pid: number | 'self', nice: number): number | undefined {
  try {
    const previous = Number(/nice (-?\d+)/.exec(readFileSync(`/proc/${pid}/autogroup`, 'utf8'))?.[1] ?? 0);
    writeFileSync(`/proc/${pid}/autogroup`, String(nice));
    return previous;
  } catch {
    return undefined;
  }
}

/**
 * Stretches when this process — the simulator, which stamps each packet's arrival — was not
 * running its event loop (busy or not scheduled): packets that arrived then are stamped late.
 */
export function watchOwnStalls(thresholdMs = 8): { stalls: Array<[number, number]>; stop: () => void } {
  const stalls: Array<[number, number]> = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    if (now - last > thresholdMs) stalls.push([last, now]);
    last = now;
  }, 2);
  return { stalls, stop: () => clearInterval(timer) };
}

/**
 * The gaps between consecutive packets as the simulator stamped them, and the same gaps less the
 * time the simulator itself stalled inside them (it could not stamp anything then): what is left
 * is the bot's lateness. Only the receiver's own measured stalls are taken out.
 */
export function packetGaps(packets: readonly ReceivedPacket[], stalls: ReadonlyArray<[number, number]>) {
  let maxRaw = 0;
  let maxSender = 0;
  const senderGapsOver40: Array<{ afterSequence: number; ms: number; stamped: number }> = [];
  for (let i = 1; i < packets.length; i++) {
    const from = packets[i - 1]!.receivedAtMs;
    const to = packets[i]!.receivedAtMs;
    const blind = stalls.reduce((sum, [a, b]) => sum + Math.max(0, Math.min(to, b) - Math.max(from, a)), 0);
    maxRaw = Math.max(maxRaw, to - from);
    maxSender = Math.max(maxSender, to - from - blind);
    if (to - from - blind > 40)
      senderGapsOver40.push({ afterSequence: packets[i - 1]!.sequence, ms: Math.round(to - from - blind), stamped: Math.round(to - from) });
  }
  return { maxRaw, maxSender, senderGapsOver40 };
}
