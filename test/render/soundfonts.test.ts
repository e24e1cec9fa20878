import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isSoundfontFile, resolveSoundfont } from '../../src/render/soundfonts.js';
import { InvalidInputError, MissingDependencyError } from '../../src/util/errors.js';

const created: string[] = [];
afterAll(() => created.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rhythmix-test-sf-'));
  created.push(dir);
  return dir;
}

function fakeSoundfont(dir: string, name: string): string {
  const file = path.join(dir, name);
  // A minimal SoundFont header: RIFF, size, form type "sfbk".
  writeFileSync(file, Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('sfbk')]));
  return file;
}

describe('soundfont search order', () => {
  const empty = tempDir();
  const system = fakeSoundfont(tempDir(), 'system.sf2');

  it('prefers --soundfont, then SOUNDFONT, then soundfonts/, then the system', () => {
    const project = tempDir();
    const explicit = fakeSoundfont(tempDir(), 'explicit.sf2');
    const fromEnv = fakeSoundfont(tempDir(), 'env.sf3');
    fakeSoundfont(project, 'b.sf2');
    const projectFirst = fakeSoundfont(project, 'a.SF2');
    writeFileSync(path.join(project, 'README.md'), 'not a soundfont');
    const base = { projectDir: project, systemPaths: [system] };
    expect(resolveSoundfont({ ...base, explicit, env: { SOUNDFONT: fromEnv } })).toBe(explicit);
    expect(resolveSoundfont({ ...base, env: { SOUNDFONT: fromEnv } })).toBe(fromEnv);
    expect(resolveSoundfont({ ...base, env: {} })).toBe(projectFirst);
    expect(resolveSoundfont({ projectDir: empty, systemPaths: ['/nonexistent.sf2', system], env: {} })).toBe(system);
  });

  it('rejects an explicit soundfont that does not exist instead of falling back', () => {
    const search = { projectDir: empty, systemPaths: [system] };
    expect(() => resolveSoundfont({ ...search, explicit: '/nonexistent/x.sf2', env: {} })).toThrow(InvalidInputError);
    expect(() => resolveSoundfont({ ...search, env: { SOUNDFONT: '/nonexistent/y.sf2' } })).toThrow(/SOUNDFONT/);
  });

  it('rejects a file that is not a SoundFont (FluidSynth would quietly use another one)', () => {
    const dir = tempDir();
    const bogus = path.join(dir, 'bogus.sf2');
    writeFileSync(bogus, 'not a soundfont at all');
    expect(() => resolveSoundfont({ explicit: bogus, projectDir: empty, systemPaths: [system], env: {} })).toThrow(/is not a SoundFont/);
    expect(() => resolveSoundfont({ projectDir: dir, systemPaths: [system], env: {} })).toThrow(/bogus\.sf2.*not a SoundFont/);
    expect(isSoundfontFile(system)).toBe(true);
  });

  it('names the Debian package when there is no soundfont at all', () => {
    expect(() => resolveSoundfont({ projectDir: empty, systemPaths: ['/nonexistent.sf2'], env: {} })).toThrow(MissingDependencyError);
    expect(() => resolveSoundfont({ projectDir: empty, systemPaths: [], env: {} })).toThrow(/apt-get install fluid-soundfont-gm/);
  });
});
