/** `rhythmix compose --meter --form` through the real binary (needs `npm run build` first, as `npm test` does). */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMidi } from '../../src/midi/read.js';
import { HAVE_RENDER_TOOLS } from '../render/audio-probe.js';
import { saveTinyModel } from '../compose/tiny-model.js';
import { assertCliBuilt, runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'rhythmix-compose-form-cli-'));
const model = join(dir, 'model');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  assertCliBuilt();
  await saveTinyModel(model);
});

describe('rhythmix compose --meter --form', () => {
  it.skipIf(!HAVE_RENDER_TOOLS)('writes a 3/4 AABA piece whose A sections repeat, and says so in --json', () => {
    const out = join(dir, 'aaba');
    const args = ['compose', '--model', model, '--style', 'folk', '--tracks', '1', '--key', 'F major'];
    const { status, stdout, stderr } = runCli(
      [...args, '--bars', '8', '--meter', '3/4', '--form', 'aaba', '--sample-seed', '3', '--out', out, '--json'],
      60_000,
    );
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const json = JSON.parse(stdout) as { midi: string; bars: number; meter: string; form: string };
    expect(json).toMatchObject({ bars: 8, meter: '3/4', form: 'AABA' });

    const piece = parseMidi(new Uint8Array(readFileSync(json.midi)));
    expect(piece.timeSignatures.map((t) => `${t.numerator}/${t.denominator}`)).toEqual(['3/4']);
    // Sections of 2 bars of 3 beats: bars 0–1 come back as bars 2–3, and bar 6 (the last A's first bar) as well.
    const notesIn = (from: number, to: number) =>
      piece.tracks
        .flatMap((t) => t.notes)
        .filter((n) => n.start >= from && n.start < to)
        .map((n) => `${n.pitch}@${n.start - from}+${n.duration}`)
        .sort();
    expect(notesIn(0, 6).length).toBeGreaterThan(0);
    expect(notesIn(6, 12)).toEqual(notesIn(0, 6));
    expect(notesIn(18, 21)).toEqual(notesIn(0, 3));
    // The last bar starts only notes of the F major chord.
    for (const note of piece.tracks.flatMap((t) => t.notes).filter((n) => n.start >= 21)) expect([5, 9, 0]).toContain(note.pitch % 12);
  });

  it('refuses an unknown meter or form, naming the flag', () => {
    const meter = runCli(['compose', '--model', model, '--meter', '7/3', '--out', join(dir, 'bad')], 60_000);
    expect(meter.status).not.toBe(0);
    expect(meter.stderr).toMatch(/--meter "7\/3" is not a meter the model knows: use one of 2\/2,/);
    const form = runCli(['compose', '--model', model, '--form', 'ABZ', '--out', join(dir, 'bad')], 60_000);
    expect(form.status).not.toBe(0);
    expect(form.stderr).toMatch(/--form "ABZ" is not a form: use letters such as AABA/);
  });
});
