/**
 * The soak: the real `rhythmix bot` process (built dist/, as `npm start` runs it) driven through
 * the simulator for N minutes by a steady mix of what a server does — composes (some played in a
 * voice channel someone listens in), reactions, bad seeds and broken uploads — while its memory,
 * file descriptors, event loop (its `health` log lines) and voice packets are watched. Halfway
 * through, a burst: while a long piece plays, `burst` composes (30 by default) and six more are
 * sent at once, more than the queue holds, so ≥ 30 wait while the voice keeps playing and the rest
 * are refused with "try again in N s"; while they drain, for 30 s one more every 0.3–0.7 s (the
 * queue stays full, most are refused). Every such hint is compared with when a slot really freed (the bot's
 * `retry hint` log lines).
 * `npm run soak -- --minutes N --json` prints the report (scripts/soak.ts); a short run is an e2e test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiscordSimulator, MessageFlags, simFile, type SimInteraction, type SimMessage, type SimUser } from '../sim/index.js';
import { withLongRunningMalloc } from '../../src/util/malloc-tunables.js';
import { Rng } from '../../src/model/rng.js';
import { packetGaps, setSessionNice, watchOwnStalls } from '../sim/voice-gaps.js';

const BIN = fileURLToPath(new URL('../../bin/rhythmix.js', import.meta.url));

export interface SoakOptions {
  readonly minutes: number;
  /** Seed of the mix's choices; the same seed sends the same requests. */
  readonly seed?: number;
  /** Seconds between two rounds of requests (default 12). */
  readonly intervalSeconds?: number;
  /** Leading minutes left out of the growth and stall figures (default: 20 % of the run, at most 2). */
  readonly warmupMinutes?: number;
  /** Composes sent at once halfway through, while a piece plays (default 30; 0 = no burst). */
  readonly burst?: number;
  /** Node options for the bot's process only (e.g. --cpu-prof, --heapsnapshot-signal=SIGUSR2), to look into a run. */
  readonly botNodeArgs?: readonly string[];
  /** A file to copy the bot's log into (JSON lines), to look into afterwards. */
  readonly botLogFile?: string;
  /** Progress lines (to stderr in the script). */
  readonly log?: (line: string) => void;
}

/** The keys first (a contract); the rest add detail. */
export interface SoakReport {
  composes: number;
  answered: number;
  errors: number;
  rss_start_mb: number;
  rss_end_mb: number;
  rss_growth_mb_per_hour: number;
  fds_start: number;
  fds_end: number;
  loop_max_ms: number;
  voice_max_gap_ms: number;
  minutes: number;
  /** The voice thread's own worst event-loop delay after the warm-up (its `voice health` lines): a gap it caused itself. */
  voice_thread_loop_max_ms: number;
  pieces: number;
  busy: number;
  bad_inputs_refused: number;
  plays: number;
  reactions: number;
  voice_packets: number;
  warmup_minutes: number;
  /** The burst: composes sent at once, the most seen waiting, and the worst voice gap while they were queued or running. */
  /**
   * The growth from a minute after the burst to the end: the burst raises the high-water mark
   * (33 jobs' state at once), which a slope across it counts as growth. 0 without a burst.
   */
  rss_growth_mb_per_hour_after_burst: number;
  burst_requests: number;
  burst_max_queued: number;
  burst_seconds: number;
  voice_packets_burst: number;
  voice_max_gap_ms_burst: number;
  /** "try again in N s" answers compared with when the request would have been accepted: how many, and how far off (|hint − actual| / actual). */
  retry_hints: number;
  retry_hints_within_50pct: number;
  retry_hint_error_median_pct: number;
  retry_hint_error_max_pct: number;
  /** The first few problems: unanswered requests, error log lines. */
  problems: string[];
}

interface Sample {
  readonly atMs: number;
  readonly rssMb: number;
  readonly fds: number;
}

const SEEDS = ['C4q E4q G4h', 'D4q F4q A4h | [D4 F4 A4]w', 'G4e A4e B4q D5h', 'E4q G4q B4q E5q', 'A3q C4q E4h'];
const STYLES = ['classical', 'folk', 'game'];
const BAD_SEEDS = ['C4q X9z', 'H4q', '[C4 E4', 'C4q'.repeat(166)];
const PROGRESS = /^(⏳|🎼|🎧|✅ Done)/u;
const finished = (m: SimMessage) => !(m.flags & MessageFlags.Loading) && (m.attachments.length > 0 || (m.content !== '' && !PROGRESS.test(m.content)));

function processSample(pid: number, startMs: number): Sample | undefined {
  try {
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
    return { atMs: performance.now() - startMs, rssMb: rssKb / 1024, fds: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return undefined;
  }
}

/** Least-squares slope of y over x. */
function slope(points: ReadonlyArray<readonly [number, number]>): number {
  if (points.length < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / points.length;
  const my = points.reduce((s, [, y]) => s + y, 0) / points.length;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / sxx;
}

const round1 = (value: number) => Math.round(value * 10) / 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => undefined);
  const rng = new Rng(options.seed ?? 1);
  const next = () => rng.next();
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const durationMs = options.minutes * 60_000;
  const warmupMs = (options.warmupMinutes ?? Math.min(2, options.minutes * 0.2)) * 60_000;
  const intervalMs = (options.intervalSeconds ?? 12) * 1000;
  const burstSize = Math.max(0, Math.floor(options.burst ?? 30));

  const sim = await DiscordSimulator.start();
  const stalls = watchOwnStalls();
  const dir = mkdtempSync(path.join(tmpdir(), 'rhythmix-soak-'));
  const problems: string[] = [];
  const health: Array<{ atMs: number; loopMaxMs: number; queued: number }> = [];
  const hints: Array<{ hintMs: number; actualMs: number }> = [];
  const voiceThread: Array<{ atMs: number; loopMaxMs: number }> = [];
  let bot: ChildProcess | undefined;
  let ownNice: number | undefined;
  try {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('DISCORD_')) env[key] = value;
    const startMs = performance.now();
    bot = spawn(process.execPath, [...(options.botNodeArgs ?? []), BIN, 'bot', '--deploy-commands'], {
      cwd: dir,
      env: {
        // as `npm start` and scripts/rhythmix.sh run the bot: few malloc arenas, huge pages
        ...withLongRunningMalloc(env),
        ...sim.clientEnv(),
        DISCORD_APP_ID: sim.applicationId,
        DATABASE_URL: `file:${path.join(dir, 'bot.db')}`,
        PIECES_DIR: path.join(dir, 'pieces'),
        QUEUE_PER_USER: '3',
        // The burst fills the queue, not a server's share of it.
        QUEUE_PER_GUILD: '1000',
        ...(burstSize > 0 ? { QUEUE_MAX_LENGTH: String(burstSize + 2) } : {}),
        VOICE_IDLE_SECONDS: '3600',
        HEALTH_LOG_SECONDS: '5',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    const pid = bot.pid!;
    // As the voice-gap test does: the bot's session and this one get their CPU share on a shared machine.
    setSessionNice(pid, -10);
    ownNice = setSessionNice('self', -10);
    let pending = '';
    bot.stderr!.setEncoding('utf8');
    if (options.botLogFile) bot.stderr!.pipe(createWriteStream(options.botLogFile));
    bot.stderr!.on('data', (text: string) => {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        let entry: { level?: number; msg?: string; loop_max_ms?: number; jobs_queued?: number; hint_ms?: number; actual_ms?: number } = {};
        try {
          entry = JSON.parse(line) as typeof entry;
        } catch {
          continue;
        }
        if (entry.msg === 'health' && typeof entry.loop_max_ms === 'number')
          health.push({ atMs: performance.now() - startMs, loopMaxMs: entry.loop_max_ms, queued: entry.jobs_queued ?? 0 });
        else if (entry.msg === 'voice health' && typeof entry.loop_max_ms === 'number')
          voiceThread.push({ atMs: performance.now() - startMs, loopMaxMs: entry.loop_max_ms });
        else if (entry.msg === 'retry hint' && typeof entry.hint_ms === 'number' && typeof entry.actual_ms === 'number')
          hints.push({ hintMs: entry.hint_ms, actualMs: entry.actual_ms });
        else if ((entry.level ?? 0) >= 50 && problems.length < 20) problems.push(`bot logged: ${line.slice(0, 300)}`);
      }
    });
    await sim.waitForCommands(['compose'], 60_000);
    const listener = sim.user('alice');
    listener.joinVoice('Music');
    const composers: SimUser[] = ['bob', 'carol', 'dave', 'erin'].map((name) => sim.user(name));
    const fans: SimUser[] = Array.from({ length: 20 }, (_, i) => sim.user(`fan${i}`));
    const mallory = sim.user('mallory');
    const dj = sim.user('dj');
    dj.joinVoice('Music');
    const crowd: SimUser[] = Array.from({ length: burstSize + 6 }, (_, i) => sim.user(`crowd${i}`));

    const samples: Sample[] = [];
    const sampler = setInterval(() => {
      const sample = processSample(pid, startMs);
      if (sample) samples.push(sample);
    }, 5_000);

    const report = { composes: 0, answered: 0, errors: 0, pieces: 0, busy: 0, bad_inputs_refused: 0, plays: 0, reactions: 0 };
    const results: SimMessage[] = [];
    let refusedAtQueued = 0;
    const inFlight = new Set<Promise<void>>();
    const track = (run: SimInteraction, what: string, expect: 'piece' | 'refusal') => {
      report.composes++;
      const waiting = run
        .waitForReply(finished, 300_000)
        .then((reply) => {
          report.answered++;
          if (reply.attachments.length > 0) {
            report.pieces++;
            results.push(reply);
          } else if (/try again in/.test(reply.content)) {
            report.busy++;
            // "the queue is full (N waiting, M running)": how full it was, exactly.
            refusedAtQueued = Math.max(refusedAtQueued, Number(/\((\d+) waiting/.exec(reply.content)?.[1] ?? 0));
            log(`${what} refused: ${reply.content}`);
          } else if (expect === 'refusal') report.bad_inputs_refused++;
          else if (problems.length < 20) problems.push(`${what} answered without a piece: ${reply.content.slice(0, 200)}`);
          if (expect === 'refusal' && reply.attachments.length > 0 && problems.length < 20) problems.push(`${what} was accepted`);
        })
        .catch((error: unknown) => {
          report.errors++;
          if (problems.length < 20) problems.push(`${what}: ${String(error).slice(0, 300)}`);
        })
        .finally(() => inFlight.delete(waiting));
      inFlight.add(waiting);
    };

    const packetsNow = () => sim.voice.connections.flatMap((connection) => connection.packets);
    let burst: { startMs: number; endMs: number; requests: number } | undefined;
    let burstRun: Promise<void> | undefined;
    /** A long piece starts playing, then the crowd sends its composes at once; resolves when all are answered. */
    const runBurst = async () => {
      const played = dj.slash('compose', { seed: pick(SEEDS), length: 64, play: true });
      track(played, 'burst: the piece played during it', 'piece');
      report.plays++;
      await played.waitForReply(finished, 300_000);
      // Sent once its audio flows (or after a minute: the burst still counts, its gap figure is then 0).
      const heard = performance.now();
      while (performance.now() - heard < 60_000) {
        const last = packetsNow().at(-1);
        if (last && last.receivedAtMs > heard && performance.now() - last.receivedAtMs < 100) break;
        await sleep(100);
      }
      const startMs = performance.now();
      // Longer pieces than the steady mix's (16–48 bars, up to three tracks): a few seconds each.
      let sent = 0;
      const send = (user: SimUser) => {
        const i = sent++;
        const run = user.slash('compose', { seed: pick(SEEDS), tracks: 1 + (i % 3), length: 16 * (1 + (i % 3)), play: false });
        track(run, `burst compose ${i}`, 'piece');
        return run.waitForReply(finished, 600_000).then(
          () => undefined,
          () => undefined,
        );
      };
      const runs = crowd.map(send);
      let settled = false;
      const all = Promise.all(runs).then(() => (settled = true));
      // While it drains, for 30 s: one more request every 0.3–0.7 s from someone new. The queue
      // stays full, so most are refused at a random moment of the running jobs — each a retry hint
      // to check against when a slot really freed (waves at fixed times met the queue just after
      // a job ended, so every wait was a fraction of a second).
      const streamUntil = performance.now() + 30_000;
      for (let late = 0; performance.now() < streamUntil && !settled; late++) {
        await Promise.race([sleep(300 + next() * 400), all]);
        if (!settled) runs.push(send(sim.user(`late${late}`)));
      }
      await Promise.all(runs);
      burst = { startMs, endMs: performance.now(), requests: runs.length };
    };

    const soakStart = performance.now();
    for (let round = 0; performance.now() - soakStart < durationMs; round++) {
      const roundStart = performance.now();
      if (burstSize > 0 && !burstRun && roundStart - soakStart >= durationMs / 2) burstRun = runBurst();
      const composer = composers[round % composers.length]!;
      track(
        composer.slash('compose', { seed: pick(SEEDS), style: pick(STYLES), length: 3 + Math.floor(next() * 5), play: false }),
        `compose ${round}`,
        'piece',
      );
      if (round % 3 === 0) {
        report.plays++;
        track(listener.slash('compose', { seed: pick(SEEDS), length: 8, play: true }), `played compose ${round}`, 'piece');
      }
      if (round % 4 === 1) track(mallory.slash('compose', { seed: pick(BAD_SEEDS) }), `bad seed ${round}`, 'refusal');
      if (round % 5 === 2) {
        const bytes = Buffer.from(Array.from({ length: 64 + Math.floor(next() * 4000) }, () => Math.floor(next() * 256)));
        if (next() < 0.5) bytes.write('MThd', 0);
        track(mallory.slash('compose', { midi: simFile('broken.mid', bytes) }), `bad upload ${round}`, 'refusal');
      }
      for (let i = 0; i < 3 && results.length > 0; i++) {
        const fan = pick(fans);
        const message = pick(results.slice(-10));
        const emoji = pick(['👍', '👎', '❤️', '🔥']);
        if (next() < 0.7) fan.react(message, emoji);
        else fan.unreact(message, emoji);
        report.reactions++;
      }
      if (round % 10 === 0) {
        const last = samples.at(-1);
        log(
          `soak ${((performance.now() - soakStart) / 60_000).toFixed(1)}/${options.minutes} min: ${report.composes} requests, ${report.answered} answered, ` +
            `${report.errors} errors, rss ${last?.rssMb.toFixed(0) ?? '?'} MB, fds ${last?.fds ?? '?'}`,
        );
      }
      await sleep(Math.max(0, intervalMs - (performance.now() - roundStart)));
    }
    await Promise.all([...inFlight]);
    await burstRun;
    // Idle for a moment, then the closing figures.
    await sleep(6_000);
    clearInterval(sampler);
    const closing = processSample(pid, startMs);
    stalls.stop();

    const afterWarmup = samples.filter((s) => s.atMs >= warmupMs);
    const steady = afterWarmup.length >= 2 ? afterWarmup : samples;
    const growthPerMs = slope(steady.map((s) => [s.atMs, s.rssMb] as const));
    const packets = packetsNow();
    // A pause of over a second is between two pieces, not a stutter inside one.
    const maxGap = (of: typeof packets) => {
      const segments: (typeof packets)[] = [];
      for (const packet of of) {
        const current = segments.at(-1);
        if (current && packet.receivedAtMs - current.at(-1)!.receivedAtMs <= 1_000) current.push(packet);
        else segments.push([packet]);
      }
      return Math.max(0, ...segments.map((segment) => packetGaps(segment, stalls.stalls).maxSender));
    };
    const voiceMaxGap = maxGap(packets);
    const burstPackets = burst ? packets.filter((packet) => packet.receivedAtMs >= burst!.startMs && packet.receivedAtMs <= burst!.endMs) : [];
    const burstFromStart = burst ? { from: burst.startMs - startMs, to: burst.endMs - startMs } : undefined;
    const hintErrors = hints.map(({ hintMs, actualMs }) => Math.abs(hintMs - actualMs) / Math.max(actualMs, 1)).sort((a, b) => a - b);
    return {
      composes: report.composes,
      answered: report.answered,
      errors: report.errors,
      rss_start_mb: round1(steady[0]?.rssMb ?? 0),
      rss_end_mb: round1(closing?.rssMb ?? steady.at(-1)?.rssMb ?? 0),
      rss_growth_mb_per_hour: round1(growthPerMs * 3_600_000),
      fds_start: steady[0]?.fds ?? 0,
      fds_end: closing?.fds ?? steady.at(-1)?.fds ?? 0,
      loop_max_ms: round1(Math.max(0, ...health.filter((h) => h.atMs >= warmupMs).map((h) => h.loopMaxMs))),
      voice_max_gap_ms: round1(voiceMaxGap),
      minutes: options.minutes,
      voice_thread_loop_max_ms: round1(Math.max(0, ...voiceThread.filter((h) => h.atMs >= warmupMs).map((h) => h.loopMaxMs))),
      pieces: report.pieces,
      busy: report.busy,
      bad_inputs_refused: report.bad_inputs_refused,
      plays: report.plays,
      reactions: report.reactions,
      voice_packets: packets.length,
      warmup_minutes: round1(warmupMs / 60_000),
      rss_growth_mb_per_hour_after_burst: burstFromStart
        ? round1(slope(samples.filter((s) => s.atMs >= Math.max(warmupMs, burstFromStart.to + 60_000)).map((s) => [s.atMs, s.rssMb] as const)) * 3_600_000)
        : 0,
      burst_requests: burst?.requests ?? 0,
      burst_max_queued: burstFromStart
        ? Math.max(refusedAtQueued, ...health.filter((h) => h.atMs >= burstFromStart.from && h.atMs <= burstFromStart.to + 5_000).map((h) => h.queued))
        : 0,
      burst_seconds: burst ? round1((burst.endMs - burst.startMs) / 1000) : 0,
      voice_packets_burst: burstPackets.length,
      voice_max_gap_ms_burst: round1(maxGap(burstPackets)),
      retry_hints: hints.length,
      retry_hints_within_50pct: hints.length === 0 ? 0 : round1((100 * hintErrors.filter((e) => e <= 0.5).length) / hints.length),
      retry_hint_error_median_pct: hintErrors.length === 0 ? 0 : round1(100 * hintErrors[Math.floor(hintErrors.length / 2)]!),
      retry_hint_error_max_pct: hintErrors.length === 0 ? 0 : round1(100 * hintErrors.at(-1)!),
      problems,
    };
  } finally {
    stalls.stop();
    if (bot && bot.exitCode === null) {
      const exited = new Promise((resolve) => bot!.once('exit', resolve));
      bot.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      if (bot.exitCode === null) bot.kill('SIGKILL');
    }
    if (ownNice !== undefined) setSessionNice('self', ownNice);
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
