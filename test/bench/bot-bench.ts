/**
 * `rhythmix bench bot`: the real `rhythmix bot` process (built dist/, as `npm start` runs it)
 * driven through the Discord simulator — /compose of N bars, timed from the slash command to the
 * posted piece — at each concurrency level (that many requests in flight at once, from different
 * users). With `cold` it measures the bot once with its warm compose workers and once with
 * `COMPOSE_WORKERS=0` (a fresh child per compose, as before the pool), one after the other in one run.
 * Run with tsx (the simulator is TypeScript under test/): scripts/bench-bot.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiscordSimulator, MessageFlags, type SimMessage } from '../sim/index.js';
import { setSessionNice } from '../sim/voice-gaps.js';

const BIN = fileURLToPath(new URL('../../bin/rhythmix.js', import.meta.url));
const PROGRESS = /^(⏳|🎼|🎧|✅ Done)/u;
const finished = (m: SimMessage) => !(m.flags & MessageFlags.Loading) && (m.attachments.length > 0 || (m.content !== '' && !PROGRESS.test(m.content)));
/** The default RATING_EMOJIS: the bot adds this many reactions to each piece. */
const REACTIONS = 4;
const SEEDS = ['C4q E4q G4h', 'D4q F4q A4h', 'G4e A4e B4q D5h', 'E4q G4q B4q E5q', 'A3q C4q E4h'];

export type WorkerMode = 'warm' | 'cold';

export interface BotBenchOptions {
  /** Composes measured per concurrency level (default 12). */
  readonly jobs?: number;
  /** Requests in flight at once, one level after the other (default [1, 4]). */
  readonly concurrency?: readonly number[];
  /** Bars per piece (default 16). */
  readonly bars?: number;
  /** Which bots to measure: 'warm' (the default pool) and/or 'cold' (COMPOSE_WORKERS=0). */
  readonly modes?: readonly WorkerMode[];
  readonly log?: (line: string) => void;
}

/** One measured level: the keys, plus the mode and the slowest compose. */
export interface BotBenchResult {
  workers: WorkerMode;
  concurrency: number;
  jobs: number;
  p50_ms: number;
  p95_ms: number;
  max_ms: number;
  failed: number;
}

export interface BotBenchReport {
  results: BotBenchResult[];
  bars: number;
  cores: number;
  /** The machine's 1-minute load average when the run started and ended (other work skews the figures). */
  load_start: number;
  load_end: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function startBot(sim: DiscordSimulator, dir: string, mode: WorkerMode): ChildProcess {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('DISCORD_')) env[key] = value;
  const bot = spawn(process.execPath, [BIN, 'bot', '--deploy-commands'], {
    cwd: dir,
    env: {
      ...env,
      ...sim.clientEnv(),
      DISCORD_APP_ID: sim.applicationId,
      DATABASE_URL: `file:${path.join(dir, 'bot.db')}`,
      PIECES_DIR: path.join(dir, 'pieces'),
      QUEUE_MAX_LENGTH: '100',
      LOG_LEVEL: 'warn',
      ...(mode === 'cold' ? { COMPOSE_WORKERS: '0' } : {}),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  // As the soak does: the bot's session gets its CPU share on a shared machine.
  if (bot.pid !== undefined) setSessionNice(bot.pid, -10);
  return bot;
}

async function stopBot(bot: ChildProcess): Promise<void> {
  if (bot.exitCode !== null || bot.signalCode !== null) return;
  const exited = new Promise((resolve) => bot.once('exit', resolve));
  bot.kill('SIGTERM');
  const timer = setTimeout(() => bot.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function measureMode(
  mode: WorkerMode,
  options: Required<Omit<BotBenchOptions, 'log' | 'modes'>>,
  log: (line: string) => void,
): Promise<BotBenchResult[]> {
  const sim = await DiscordSimulator.start();
  const dir = mkdtempSync(path.join(tmpdir(), `rhythmix-bench-${mode}-`));
  const bot = startBot(sim, dir, mode);
  try {
    await sim.waitForCommands(['compose'], 60_000);
    let request = 0;
    // The bot goes on after posting (the rating reactions); it is stopped once they are all there.
    const afterPosting: Array<Promise<unknown>> = [];
    const compose = async (): Promise<number> => {
      const n = request++;
      // Different users: the per-user queue limit is not what is measured.
      const user = sim.user(`bench${n % 8}`);
      const started = performance.now();
      const interaction = user.slash('compose', { seed: SEEDS[n % SEEDS.length]!, length: options.bars, play: false });
      const reply = await interaction.waitForReply(finished, 300_000);
      const elapsed = performance.now() - started;
      if (reply.attachments.length === 0) throw new Error(`compose ${n} answered without a piece: ${reply.content.slice(0, 200)}`);
      afterPosting.push(
        sim.waitFor(() => (interaction.reply()?.reactions.size ?? 0) >= REACTIONS, `the reactions on compose ${n}`, 30_000).catch(() => undefined),
      );
      return elapsed;
    };
    // Not measured: the first disk reads and, warm, the workers' model load at start-up.
    await compose();
    const results: BotBenchResult[] = [];
    for (const concurrency of options.concurrency) {
      const times: number[] = [];
      let failed = 0;
      let left = options.jobs;
      const lane = async (): Promise<void> => {
        while (left > 0) {
          left--;
          try {
            times.push(await compose());
          } catch (error) {
            failed++;
            log(`${mode}: ${String(error)}`);
          }
        }
      };
      await Promise.all(Array.from({ length: concurrency }, lane));
      times.sort((a, b) => a - b);
      const result = {
        workers: mode,
        concurrency,
        jobs: times.length,
        p50_ms: Math.round(percentile(times, 50)),
        p95_ms: Math.round(percentile(times, 95)),
        max_ms: Math.round(times.at(-1) ?? 0),
        failed,
      };
      log(`${mode} c=${concurrency}: p50 ${result.p50_ms} ms, p95 ${result.p95_ms} ms over ${result.jobs} composes`);
      results.push(result);
    }
    await Promise.all(afterPosting);
    return results;
  } finally {
    await stopBot(bot);
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runBotBench(options: BotBenchOptions = {}): Promise<BotBenchReport> {
  const log = options.log ?? (() => undefined);
  const settings = { jobs: options.jobs ?? 12, concurrency: options.concurrency ?? [1, 4], bars: options.bars ?? 16 };
  const ownNice = setSessionNice('self', -10);
  const loadStart = loadavg()[0]!;
  try {
    const results: BotBenchResult[] = [];
    for (const mode of options.modes ?? ['warm']) results.push(...(await measureMode(mode, settings, log)));
    return { results, bars: settings.bars, cores: cpus().length, load_start: Math.round(loadStart * 10) / 10, load_end: Math.round(loadavg()[0]! * 10) / 10 };
  } finally {
    if (ownNice !== undefined) setSessionNice('self', ownNice);
  }
}
