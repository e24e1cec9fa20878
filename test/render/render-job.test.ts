import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeMidi } from '../../src/midi/write.js';
import { createPiece } from '../../src/music/piece.js';
import { benchInput } from '../../src/render/bench.js';
import { demoPiece } from '../../src/render/demo-piece.js';
import { RenderError, RenderTimeoutError } from '../../src/render/errors.js';
import { deserializeError, serializeError } from '../../src/jobs/envelope.js';
import { RENDER_ERROR_CLASSES, runRenderJob, runRenderJobInWorker, type RenderJobProgress } from '../../src/render/render-job.js';
import { InvalidInputError, MissingDependencyError } from '../../src/util/errors.js';
import { HAVE_RENDER_TOOLS, probe } from './audio-probe.js';
import { pngSize } from './png.js';

const projectRoot = path.resolve(import.meta.dirname, '../..');
const WORKER_BUILT = existsSync(path.join(projectRoot, 'dist/workers/render.js'));
const dir = mkdtempSync(path.join(os.tmpdir(), 'rhythmix-test-job-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('render jobs', () => {
  it('keeps error classes across the worker boundary', () => {
    const rebuild = (error: Error): Error => deserializeError(serializeError(error), RENDER_ERROR_CLASSES);
    expect(rebuild(new InvalidInputError('bad'))).toBeInstanceOf(InvalidInputError);
    expect(rebuild(new MissingDependencyError('gone'))).toBeInstanceOf(MissingDependencyError);
    expect(rebuild(new RenderTimeoutError('slow'))).toBeInstanceOf(RenderTimeoutError);
    expect(rebuild(new TypeError('oops'))).toBeInstanceOf(RenderError);
    expect(rebuild(new TypeError('oops')).message).toBe('render worker: oops');
  });

  it.skipIf(!HAVE_RENDER_TOOLS)('renders MIDI bytes to audio and picture in this thread', async () => {
    const stages: string[] = [];
    const result = await runRenderJob(
      { input: writeMidi(demoPiece({ bars: 2 })), audioPath: path.join(dir, 'inline.ogg'), imagePath: path.join(dir, 'inline.png') },
      { onProgress: (p) => stages.push(p.stage) },
    );
    expect(probe(result.audio?.path ?? '').codec).toBe('opus');
    expect(pngSize(new Uint8Array(readFileSync(result.image?.path ?? '')))).toEqual({ width: 1200, height: 600 });
    expect(stages).toContain('image');
  });

  describe.skipIf(!WORKER_BUILT || !HAVE_RENDER_TOOLS)('on a worker thread (dist/workers/render.js)', () => {
    it('renders and reports progress while the main loop stays free', async () => {
      const progress: RenderJobProgress[] = [];
      let ticks = 0;
      const timer = setInterval(() => ticks++, 10);
      const result = await runRenderJobInWorker(
        { input: demoPiece({ bars: 8 }), audioPath: path.join(dir, 'worker.ogg'), imagePath: path.join(dir, 'worker.png'), pianoRoll: { seedBeats: 4 } },
        { onProgress: (p) => progress.push(p) },
      );
      clearInterval(timer);
      expect(result.audio?.seconds).toBeGreaterThan(19);
      expect(probe(path.join(dir, 'worker.ogg'))).toMatchObject({ codec: 'opus', sampleRate: 48_000, channels: 2 });
      expect(result.image).toEqual({ path: path.join(dir, 'worker.png'), width: 1200, height: 600 });
      expect(progress.map((p) => p.stage)).toEqual(expect.arrayContaining(['synthesis', 'encoding', 'image']));
      expect(ticks).toBeGreaterThan(0);
    });

    it('passes bad input back as the same error class', async () => {
      await expect(runRenderJobInWorker({ input: createPiece([]), audioPath: path.join(dir, 'empty.ogg') })).rejects.toThrow(InvalidInputError);
    });

    it('cancels: the promise rejects and the output is not written', async () => {
      const controller = new AbortController();
      const job = runRenderJobInWorker({ input: demoPiece({ bars: 64 }), audioPath: path.join(dir, 'cancelled.ogg') }, { signal: controller.signal });
      setTimeout(() => controller.abort(new RenderError('stop')), 50);
      await expect(job).rejects.toThrow(/stop|cancelled/);
      expect(existsSync(path.join(dir, 'cancelled.ogg'))).toBe(false);
    });
  });
});

describe('bench input', () => {
  it('falls back to the built-in test piece without the data set', async () => {
    const { name, input } = await benchInput('/nonexistent/datasets');
    expect(name).toMatch(/built-in/);
    expect(input).not.toBeInstanceOf(Uint8Array);
  });

  it.skipIf(!existsSync(path.resolve(projectRoot, '../shared/datasets/nottingham/valid')))('uses a Nottingham file when present', async () => {
    const { name, input } = await benchInput();
    expect(name).toMatch(/^nottingham\/valid\/.+\.mid$/);
    expect(input).toBeInstanceOf(Uint8Array);
  });
});
