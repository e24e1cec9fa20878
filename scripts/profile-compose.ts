/**
 * Where a warm compose job's time goes: one process that keeps its model loaded (as a warm compose
 * worker does) composes `--runs` pieces of `--bars` bars and times every stage of the job on its
 * own — wall time, this process's CPU and its children's (FluidSynth, ffmpeg) CPU — then prints
 * the median of each. The stages are called one after the other, each as the pipeline calls it
 * (src/compose/pipeline.ts, src/render/*), so their sum is the sequential job.
 *
 *   nice -n 5 npx tsx scripts/profile-compose.ts [--runs 8] [--bars 16] [--json]
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { loadComposer } from '../src/compose/load-composer.js';
import { parseComposeOptions } from '../src/compose/options.js';
import { planCompose } from '../src/compose/pipeline.js';
import { loadOriginalityIndex } from '../src/model/originality-file.js';
import { writeMidi } from '../src/midi/write.js';
import { pieceToMusicXml } from '../src/music/musicxml.js';
import { quantizePiece } from '../src/music/quantize.js';
import { encodePiece } from '../src/music/tokens.js';
import { chooseGain, DEFAULT_LEVEL, renderAudio, SAMPLE_RATE } from '../src/render/audio.js';
import { OPUS_COMPLEXITY, startEncoder } from '../src/render/encoder.js';
import { defaultSynthThreads } from '../src/render/fluidsynth.js';
import { resolveSoundfont } from '../src/render/soundfonts.js';
import { synthesize } from '../src/render/synthesis.js';
import { locateRenderTools } from '../src/render/tools.js';
import { writePianoRoll } from '../src/render/pianoroll.js';
import { engraveFirstPage, writeScore } from '../src/render/score.js';

interface Sample {
  wall: number;
  cpu: number;
  childCpu: number;
}

/** CPU seconds of this process's reaped children (utime + stime of /proc/self/stat, in clock ticks of 10 ms). */
function childCpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  // After "pid (comm) ": state is field 0; cutime and cstime are fields 13 and 14.
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

async function timed<T>(samples: Map<string, Sample[]>, stage: string, run: () => Promise<T> | T): Promise<T> {
  const cpu = process.cpuUsage();
  const child = childCpuMs();
  const started = performance.now();
  const result = await run();
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const list = samples.get(stage) ?? [];
  list.push({ wall, cpu: (used.user + used.system) / 1000, childCpu: childCpuMs() - child });
  samples.set(stage, list);
  return result;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

const program = new Command('profile-compose')
  .option('--runs <n>', 'composes measured (after one warm-up)', (v) => Number(v), 8)
  .option('--bars <n>', 'bars per piece', (v) => Number(v), 16)
  .option('--json', 'print JSON')
  .action(async (flags: { runs: number; bars: number; json?: boolean }) => {
    const composer = await loadComposer(undefined);
    const samples = new Map<string, Sample[]>();
    const seeds = ['C4q E4q G4h', 'D4q F4q A4h', 'G4e A4e B4q D5h', 'E4q G4q B4q E5q', 'A3q C4q E4h'];
    for (let run = -1; run < flags.runs; run++) {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'rhythmix-profile-'));
      const local = run < 0 ? new Map<string, Sample[]>() : samples; // the first run warms caches
      const options = parseComposeOptions({ seed: seeds[(run + 5) % 5], bars: flags.bars, outDir: dir, samplingSeed: 1000 + run, score: true });
      const total = performance.now();
      const { seedNotes, request } = await timed(local, 'seed + request', () => planCompose(options));
      const piece = await timed(local, 'generation (LSTM)', () => composer.compose(seedNotes.piece, { ...request, samplingSeed: 1000 + run }, () => undefined));
      await timed(local, 'originality check', async () => {
        const loaded = await loadOriginalityIndex(composer.model);
        return loaded.index?.longestCopy(piece, { countFrom: seedNotes.beats });
      });
      await timed(local, 'MIDI write', () => writeFile(path.join(dir, 'piece.mid'), writeMidi(piece)));
      await timed(local, 'audio: FluidSynth + loudness + Opus', () => renderAudio(piece, path.join(dir, 'piece.ogg')));
      // The audio's parts on their own: FluidSynth with the streamed loudness analysis, then ffmpeg.
      const midiPath = path.join(dir, 'input.mid');
      await writeFile(midiPath, writeMidi(piece));
      const tools = locateRenderTools();
      const signal = new AbortController().signal;
      const synthesis = await timed(local, '  audio part: FluidSynth + loudness analysis', () =>
        synthesize(tools.fluidsynth, resolveSoundfont({}), midiPath, {
          sampleRate: SAMPLE_RATE,
          threads: defaultSynthThreads(),
          maxFrames: Math.ceil(60 * SAMPLE_RATE),
          signal,
          onProgress: undefined,
        }),
      );
      await timed(local, '  audio part: ffmpeg Opus encode (started after)', () =>
        startEncoder(tools.ffmpeg, {
          sampleRate: SAMPLE_RATE,
          ceilingDb: -1,
          bitrateKbps: 128,
          complexity: OPUS_COMPLEXITY,
          title: 'x',
          segments: 1,
          signal,
        }).encode({
          pcm: synthesis.pcm,
          endFrame: synthesis.frames,
          gainDb: chooseGain(synthesis, DEFAULT_LEVEL),
          fadeFrames: 2400,
        }),
      );
      await timed(local, 'piano roll PNG', () => writePianoRoll(piece, path.join(dir, 'piece.png'), { seedBeats: seedNotes.beats }));
      await timed(local, 'score: MusicXML', () => pieceToMusicXml(piece, { title: 'x' }));
      const xml = pieceToMusicXml(piece, { title: 'x' });
      await timed(local, 'score: Verovio layout (SVG)', () => engraveFirstPage(xml));
      await timed(local, 'score: whole (MusicXML + Verovio + resvg + writes)', () =>
        writeScore(piece, { musicxml: path.join(dir, 'piece.musicxml'), image: path.join(dir, 'score.png') }, { title: 'x' }),
      );
      const tokens = await timed(local, 'tokens', () => encodePiece(quantizePiece(piece).piece, { style: options.style }));
      await timed(local, 'result message (JSON)', () => JSON.stringify({ tokens }).length);
      if (run >= 0) {
        const list = samples.get('total (sequential)') ?? [];
        list.push({ wall: performance.now() - total, cpu: 0, childCpu: 0 });
        samples.set('total (sequential)', list);
      }
      await rm(dir, { recursive: true, force: true });
    }
    const rows = [...samples].map(([stage, list]) => ({
      stage,
      wall_ms: Math.round(median(list.map((s) => s.wall))),
      cpu_ms: Math.round(median(list.map((s) => s.cpu))),
      child_cpu_ms: Math.round(median(list.map((s) => s.childCpu))),
    }));
    const report = { bars: flags.bars, runs: flags.runs, model: composer.model, load: Math.round(os.loadavg()[0]! * 10) / 10, stages: rows };
    if (flags.json) console.log(JSON.stringify(report, null, 2));
    else {
      console.log(`${report.runs} composes of ${report.bars} bars, model ${report.model}, load ${report.load}; medians`);
      for (const r of rows)
        console.log(`${r.stage.padEnd(52)} wall ${String(r.wall_ms).padStart(5)} ms  cpu ${String(r.cpu_ms).padStart(5)}  children ${r.child_cpu_ms}`);
    }
  });

await program.parseAsync();
