/** `rhythmix harmonize` through the real binary (needs `npm run build` first, as `npm test` does). */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMidi } from '../../src/midi/read.js';
import { HAVE_RENDER_TOOLS } from '../render/audio-probe.js';
import { saveTinyModel } from '../compose/tiny-model.js';
import { assertCliBuilt, runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'rhythmix-harmonize-cli-'));
const model = join(dir, 'model');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  assertCliBuilt();
  await saveTinyModel(model);
});

const MELODY = 'E4q D4q C4h | G4e F4e E4q [C4 E4]h';
/** The melody's notes as pitch@start+duration in quarter notes. */
const MELODY_NOTES = ['64@0+1', '62@1+1', '60@2+2', '67@4+0.5', '65@4.5+0.5', '64@5+1', '60@6+2', '64@6+2'];

describe('rhythmix harmonize', () => {
  it.skipIf(!HAVE_RENDER_TOOLS)('keeps the melody note for note as the MIDI file’s first track and reports melody_kept', () => {
    const out = join(dir, 'out');
    const { status, stdout, stderr } = runCli(
      ['harmonize', '--model', model, '--seed', MELODY, '--instruments', 'flute,piano,bass', '--sample-seed', '4', '--out', out, '--json'],
      60_000,
    );
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const json = JSON.parse(stdout) as { midi: string; melody_kept: boolean; sample_seed: number; bars: number; tracks: { name: string; notes: number }[] };
    expect(json).toMatchObject({ melody_kept: true, sample_seed: 4, bars: 2 });
    const tracks = parseMidi(new Uint8Array(readFileSync(json.midi))).tracks.filter((t) => t.notes.length > 0);
    expect(tracks[0]!.program).toBe(73);
    expect(tracks[0]!.notes.map((n) => `${n.pitch}@${n.start}+${n.duration}`).sort()).toEqual([...MELODY_NOTES].sort());
    expect(tracks.slice(1).flatMap((t) => t.notes).length).toBeGreaterThan(0);
  });

  it('refuses a single track, naming the flag', () => {
    const { status, stderr } = runCli(['harmonize', '--model', model, '--seed', MELODY, '--tracks', '1', '--out', join(dir, 'bad')], 60_000);
    expect(status).not.toBe(0);
    expect(stderr).toContain('--tracks');
  });
});
