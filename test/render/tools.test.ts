import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FFMPEG, FLUIDSYNTH, findOnPath, locateRenderTools, locateTool } from '../../src/render/tools.js';
import { MissingDependencyError } from '../../src/util/errors.js';

const created: string[] = [];
afterAll(() => created.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rhythmix-test-path-'));
  created.push(dir);
  return dir;
}

describe('locating fluidsynth and ffmpeg', () => {
  it('names the Debian package when FLUIDSYNTH_PATH points nowhere', () => {
    const env = { PATH: process.env.PATH, FLUIDSYNTH_PATH: '/nonexistent/fluidsynth' };
    expect(() => locateTool(FLUIDSYNTH, env)).toThrow(MissingDependencyError);
    expect(() => locateTool(FLUIDSYNTH, env)).toThrow(/FLUIDSYNTH_PATH=\/nonexistent\/fluidsynth.*apt-get install fluidsynth/);
  });

  it('names the Debian package when FFMPEG_PATH points nowhere', () => {
    const env = { PATH: process.env.PATH, FFMPEG_PATH: '/nonexistent/ffmpeg' };
    expect(() => locateRenderTools(env)).toThrow(/apt-get install ffmpeg/);
  });

  it('reports a tool missing from the PATH', () => {
    const empty = tempDir();
    expect(() => locateTool(FFMPEG, { PATH: empty })).toThrow(/ffmpeg is not installed.*apt-get install ffmpeg/);
    expect(() => locateTool(FLUIDSYNTH, { PATH: empty })).toThrow(/fluidsynth is not installed.*apt-get install fluidsynth/);
  });

  it('uses an executable override and finds tools on the PATH', () => {
    const dir = tempDir();
    const fake = path.join(dir, 'fluidsynth');
    writeFileSync(fake, '#!/bin/sh\nexit 0\n');
    chmodSync(fake, 0o755);
    expect(locateTool(FLUIDSYNTH, { FLUIDSYNTH_PATH: fake, PATH: '' })).toBe(fake);
    expect(findOnPath('fluidsynth', { PATH: `/nonexistent${path.delimiter}${dir}` })).toBe(fake);
    // Not executable → not a tool.
    chmodSync(fake, 0o644);
    expect(findOnPath('fluidsynth', { PATH: dir })).toBeUndefined();
  });
});
