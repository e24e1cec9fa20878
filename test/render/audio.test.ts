import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseMidi } from '../../src/midi/read.js';
import { writeMidi } from '../../src/midi/write.js';
import { beatsToSeconds, createPiece, pieceLengthBeats, type Note } from '../../src/music/piece.js';
import { renderAudio } from '../../src/render/audio.js';
import { demoPiece } from '../../src/render/demo-piece.js';
import { RenderError, RenderTimeoutError } from '../../src/render/errors.js';
import { analyseStereo } from '../../src/render/loudness.js';
import { InvalidInputError, MissingDependencyError } from '../../src/util/errors.js';
import { decode, HAVE_RENDER_TOOLS, levels, probe } from './audio-probe.js';

const projectRoot = path.resolve(import.meta.dirname, '../..');
const NOTTINGHAM_VALID = path.resolve(projectRoot, '../shared/datasets/nottingham/valid');
const TAIL = 3; // renderAudio's default release tail, seconds

const outDir = mkdtempSync(path.join(os.tmpdir(), 'rhythmix-test-audio-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** Every render's temporary files go to a private TMPDIR so the test can see they are gone. */
let tmp: string;
const savedTmp = process.env.TMPDIR;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'rhythmix-test-tmp-'));
  process.env.TMPDIR = tmp;
});
afterEach(() => {
  process.env.TMPDIR = savedTmp;
  if (savedTmp === undefined) delete process.env.TMPDIR;
  rmSync(tmp, { recursive: true, force: true });
});

function expectPlayableOpus(file: string, noteSeconds: number): Float32Array {
  const info = probe(file);
  expect(info.format).toBe('ogg');
  expect(info.codec).toBe('opus');
  expect(info.sampleRate).toBe(48_000);
  expect(info.channels).toBe(2);
  expect(info.seconds).toBeGreaterThanOrEqual(noteSeconds - 0.5);
  expect(info.seconds).toBeLessThanOrEqual(noteSeconds + TAIL + 0.5);
  const pcm = decode(file);
  const { peakDb, rmsDb } = levels(pcm);
  expect(peakDb).toBeLessThanOrEqual(0);
  expect(rmsDb).toBeGreaterThan(-35); // clearly audible, not near-silent
  return pcm;
}

describe.skipIf(!HAVE_RENDER_TOOLS)('renderAudio: MIDI → Ogg/Opus', () => {
  it('renders a generated multi-track piece (with drums) at the piece length and normalised level', async () => {
    const piece = demoPiece({ bars: 8, bpm: 120 });
    const seconds = beatsToSeconds(piece, pieceLengthBeats(piece));
    const out = path.join(outDir, 'demo.ogg');
    const stages = new Set<string>();
    const result = await renderAudio(piece, out, { onProgress: (p) => stages.add(p.stage) });
    expect(result.path).toBe(out);
    expect(result.noteSeconds).toBeCloseTo(seconds, 6);
    expect(result.seconds).toBeGreaterThanOrEqual(seconds);
    expect(result.peakDb).toBeLessThanOrEqual(-1 + 1e-9);
    expect(result.loudness).toBeGreaterThan(-18);
    expect(result.loudness).toBeLessThanOrEqual(-16 + 1e-9);
    expect([...stages]).toEqual(['synthesis', 'encoding']);
    const pcm = expectPlayableOpus(out, seconds);
    // Our analyser on ffmpeg's decode agrees with what renderAudio reported (the limiter may shave a little).
    expect(Math.abs(analyseStereo(pcm).loudnessLufs - result.loudness)).toBeLessThan(1.5);
    expect(readdirSync(tmp)).toEqual([]);
    expect(readdirSync(outDir).filter((f) => f.includes('.partial-'))).toEqual([]);
  });

  describe.skipIf(!existsSync(NOTTINGHAM_VALID))('a data-set MIDI file', () => {
    it('renders from the file bytes with the MIDI length and audible sound', async () => {
      // The smallest tune keeps the test quick.
      const file = readdirSync(NOTTINGHAM_VALID)
        .filter((f) => f.endsWith('.mid'))
        .sort((a, b) => statSync(path.join(NOTTINGHAM_VALID, a)).size - statSync(path.join(NOTTINGHAM_VALID, b)).size || a.localeCompare(b))[0] as string;
      const bytes = new Uint8Array(readFileSync(path.join(NOTTINGHAM_VALID, file)));
      const piece = parseMidi(bytes);
      const seconds = beatsToSeconds(piece, pieceLengthBeats(piece));
      const out = path.join(outDir, 'nottingham.ogg');
      const result = await renderAudio(bytes, out);
      expect(result.noteSeconds).toBeCloseTo(seconds, 6);
      expectPlayableOpus(out, seconds);
      expect(readdirSync(tmp)).toEqual([]);
    });
  });

  it('brings a quiet and a loud input to the same loudness without clipping', async () => {
    const quiet = await renderAudio(demoPiece({ bars: 4, velocityScale: 0.15 }), path.join(outDir, 'quiet.ogg'));
    // Loud: dense, full-velocity chords that would clip a fixed gain.
    const notes: Note[] = [];
    for (let beat = 0; beat < 16; beat++) {
      for (const pitch of [36, 43, 48, 52, 55, 60, 64, 67, 72, 76]) notes.push({ pitch, start: beat, duration: 1, velocity: 127 });
    }
    const loudPiece = createPiece([
      { name: 'brass', program: 61, isDrum: false, notes },
      { name: 'organ', program: 19, isDrum: false, notes },
    ]);
    const loud = await renderAudio(loudPiece, path.join(outDir, 'loud.ogg'));
    expect(quiet.gainDb).toBeGreaterThan(loud.gainDb + 6);
    for (const [result, file] of [
      [quiet, 'quiet.ogg'],
      [loud, 'loud.ogg'],
    ] as const) {
      const pcm = decode(path.join(outDir, file));
      const { peakDb } = levels(pcm);
      expect(peakDb).toBeLessThanOrEqual(0);
      const lufs = analyseStereo(pcm).loudnessLufs;
      expect(lufs).toBeGreaterThan(-20);
      expect(lufs).toBeLessThan(-13);
      expect(result.peakDb).toBeLessThanOrEqual(-1 + 1e-9);
    }
  });

  it('renders drum-only pieces and unusual programs', async () => {
    const hits: Note[] = Array.from({ length: 16 }, (_, i) => ({ pitch: [36, 38, 42, 49][i % 4] as number, start: i / 2, duration: 0.25, velocity: 100 }));
    const drums = await renderAudio(createPiece([{ name: 'drums', program: 0, isDrum: true, notes: hits }]), path.join(outDir, 'drums.ogg'));
    expectPlayableOpus(drums.path, drums.noteSeconds);
    const odd = createPiece([
      { name: 'helicopter', program: 125, isDrum: false, notes: [{ pitch: 60, start: 0, duration: 2, velocity: 90 }] },
      {
        name: 'extremes',
        program: 127,
        isDrum: false,
        notes: [
          { pitch: 0, start: 0, duration: 1, velocity: 1 },
          { pitch: 127, start: 1, duration: 1, velocity: 127 },
        ],
      },
    ]);
    const result = await renderAudio(odd, path.join(outDir, 'odd.ogg'));
    expectPlayableOpus(result.path, result.noteSeconds);
  });

  it('rejects empty, unparsable and over-long input with a clear error', async () => {
    const out = path.join(outDir, 'bad.ogg');
    await expect(renderAudio(createPiece([]), out)).rejects.toThrow(/no notes/);
    await expect(renderAudio(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), out)).rejects.toThrow(InvalidInputError);
    const long = createPiece([{ name: 'x', program: 0, isDrum: false, notes: [{ pitch: 60, start: 7000, duration: 1, velocity: 80 }] }]);
    await expect(renderAudio(long, out)).rejects.toThrow(/RHYTHMIX_MAX_RENDER_SECONDS/);
    await expect(renderAudio(demoPiece({ bars: 4 }), out, { limits: { maxSeconds: 2 } })).rejects.toThrow(/render limit of 2 s/);
    expect(existsSync(out)).toBe(false);
  });

  it('stops FluidSynth at the release tail when the end-of-track lies an hour after the last note', async () => {
    // Format 0, 96 ticks per quarter: one half-second note, then end-of-track 691 200 ticks (1 h at 120 BPM) later.
    const track = [0x00, 0x90, 0x3c, 0x64, 0x60, 0x80, 0x3c, 0x00, 0xaa, 0x98, 0x00, 0xff, 0x2f, 0x00];
    const bytes = new Uint8Array([...[0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 0, 0, 1, 0, 96], ...[0x4d, 0x54, 0x72, 0x6b, 0, 0, 0, track.length], ...track]);
    const start = Date.now();
    const result = await renderAudio(bytes, path.join(outDir, 'long-eot.ogg'));
    expect(Date.now() - start).toBeLessThan(30_000);
    expect(result.noteSeconds).toBeCloseTo(0.5, 6);
    expect(result.seconds).toBeLessThanOrEqual(0.5 + TAIL);
    expectPlayableOpus(result.path, result.noteSeconds);
  });

  it('stops a render that exceeds its time limit and cleans up', async () => {
    const start = Date.now();
    await expect(renderAudio(demoPiece({ bars: 64 }), path.join(outDir, 'slow.ogg'), { limits: { timeoutSeconds: 0.05 } })).rejects.toThrow(RenderTimeoutError);
    expect(Date.now() - start).toBeLessThan(10_000);
    expect(readdirSync(tmp)).toEqual([]);
    expect(existsSync(path.join(outDir, 'slow.ogg'))).toBe(false);
  });
});

describe('renderAudio with broken or missing tools', () => {
  const fakes = mkdtempSync(path.join(os.tmpdir(), 'rhythmix-test-fake-'));
  afterAll(() => rmSync(fakes, { recursive: true, force: true }));
  const piece = demoPiece({ bars: 2 });

  function script(name: string, body: string): string {
    const file = path.join(fakes, name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
    return file;
  }

  it('names the package when fluidsynth or ffmpeg is missing', async () => {
    const saved = { ...process.env };
    try {
      process.env.FLUIDSYNTH_PATH = '/nonexistent/fluidsynth';
      await expect(renderAudio(piece, path.join(fakes, 'x.ogg'))).rejects.toThrow(MissingDependencyError);
      await expect(renderAudio(piece, path.join(fakes, 'x.ogg'))).rejects.toThrow(/apt-get install fluidsynth/);
      delete process.env.FLUIDSYNTH_PATH;
      process.env.FFMPEG_PATH = '/nonexistent/ffmpeg';
      await expect(renderAudio(piece, path.join(fakes, 'x.ogg'))).rejects.toThrow(/apt-get install ffmpeg/);
    } finally {
      process.env.FLUIDSYNTH_PATH = saved.FLUIDSYNTH_PATH;
      process.env.FFMPEG_PATH = saved.FFMPEG_PATH;
      if (saved.FLUIDSYNTH_PATH === undefined) delete process.env.FLUIDSYNTH_PATH;
      if (saved.FFMPEG_PATH === undefined) delete process.env.FFMPEG_PATH;
    }
  });

  it.skipIf(!HAVE_RENDER_TOOLS)('reports a failing fluidsynth with its message and removes temporary files', async () => {
    const tools = { fluidsynth: script('fluidsynth-fails', 'echo "fluidsynth: error: bad soundfont" >&2; exit 3'), ffmpeg: 'ffmpeg' };
    await expect(renderAudio(piece, path.join(fakes, 'y.ogg'), { tools })).rejects.toThrow(
      /fluidsynth failed \(exit code 3\): fluidsynth: error: bad soundfont/,
    );
    expect(readdirSync(tmp)).toEqual([]);
    expect(readdirSync(fakes).filter((f) => f.endsWith('.ogg'))).toEqual([]);
  });

  it.skipIf(!HAVE_RENDER_TOOLS)('never hangs on a fluidsynth that hangs', async () => {
    const tools = { fluidsynth: script('fluidsynth-hangs', 'exec sleep 60'), ffmpeg: 'ffmpeg' };
    const start = Date.now();
    await expect(renderAudio(piece, path.join(fakes, 'z.ogg'), { tools, limits: { timeoutSeconds: 0.5 } })).rejects.toThrow(
      /longer than 0.5 s.*RHYTHMIX_RENDER_TIMEOUT_SECONDS/,
    );
    expect(Date.now() - start).toBeLessThan(5000);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it.skipIf(!HAVE_RENDER_TOOLS)('refuses silent output instead of blowing up noise', async () => {
    // A "fluidsynth" that writes one second of digital silence.
    const tools = { fluidsynth: script('fluidsynth-silent', 'head -c 384000 /dev/zero'), ffmpeg: 'ffmpeg' };
    await expect(renderAudio(piece, path.join(fakes, 's.ogg'), { tools })).rejects.toThrow(RenderError);
    await expect(renderAudio(piece, path.join(fakes, 's.ogg'), { tools })).rejects.toThrow(/silent/);
  });

  it('keeps MIDI written by writeMidi parseable (render input sanity)', () => {
    expect(parseMidi(writeMidi(piece)).tracks.length).toBe(piece.tracks.length);
  });
});
