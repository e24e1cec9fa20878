/** `rhythmix compose` takes through the real binary (needs `npm run build` first, as `npm test` does). */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMidi } from '../../src/midi/read.js';
import { HAVE_RENDER_TOOLS } from '../render/audio-probe.js';
import { darkShare, pngPixels } from '../render/png.js';
import { SCORE_IMAGE_SIZE } from '../../src/render/score.js';
import { saveTinyModel } from '../compose/tiny-model.js';
import { assertCliBuilt, runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'rhythmix-compose-cli-'));
const model = join(dir, 'model');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  assertCliBuilt();
  await saveTinyModel(model);
});

interface ComposeJson {
  midi: string;
  notes: number;
  sample_seed: number;
  musicxml?: string;
  score_png?: string;
}

/** One compose of the tiny model into its own folder; the parsed --json document. */
function compose(out: string, ...extra: string[]): ComposeJson {
  const { status, stdout, stderr } = runCli(
    ['compose', '--model', model, '--style', 'folk', '--bars', '4', '--tracks', '1', '--out', join(dir, out), '--json', ...extra],
    60_000,
  );
  expect(stderr).toBe('');
  expect(status).toBe(0);
  return JSON.parse(stdout) as ComposeJson;
}

const notes = (json: ComposeJson) =>
  parseMidi(new Uint8Array(readFileSync(json.midi))).tracks.flatMap((t) => t.notes.map((n) => [n.pitch, n.start, n.duration]));

describe('rhythmix compose --sample-seed', () => {
  it('refuses a sampling seed that is not a whole number from 0 to 2^31-1', () => {
    for (const bad of ['1.5', '-1', '2147483648', 'seven']) {
      const { status, stderr } = runCli(['compose', '--model', model, '--sample-seed', bad, '--out', join(dir, 'bad')], 60_000);
      expect(status).not.toBe(0);
      expect(stderr).toMatch(/--sample-seed/);
    }
    expect(runCli(['compose', '--sample-seed', '2.5']).stderr).toContain('--sample-seed: must be a whole number from 0 to 2147483647 (got 2.5)');
  });

  it.skipIf(!HAVE_RENDER_TOOLS)('makes the same piece, byte for byte, for the same --sample-seed and reports it as sample_seed', () => {
    const first = compose('seven-1', '--sample-seed', '7');
    const second = compose('seven-2', '--sample-seed', '7');
    expect(first.sample_seed).toBe(7);
    expect(second.sample_seed).toBe(7);
    expect(first).not.toHaveProperty('samplingSeed');
    // One take: today's keys only.
    expect(first).not.toHaveProperty('takes');
    expect(first.notes).toBeGreaterThan(0);
    expect(readFileSync(second.midi).equals(readFileSync(first.midi))).toBe(true);
  });

  it.skipIf(!HAVE_RENDER_TOOLS)('makes a new piece each run without it, each with its own sample_seed', () => {
    const first = compose('random-1');
    const second = compose('random-2');
    for (const json of [first, second]) expect(Number.isInteger(json.sample_seed)).toBe(true);
    expect(second.sample_seed).not.toBe(first.sample_seed);
    expect(notes(second)).not.toEqual(notes(first));
  });
});

describe('rhythmix compose --takes', () => {
  it('refuses takes other than 1 or 2, and two takes at temperature 0', () => {
    expect(runCli(['compose', '--takes', '3']).stderr).toContain('--takes: Too big: expected number to be <=2 (got 3)');
    expect(runCli(['compose', '--takes', '2', '--temperature', '0']).stderr).toContain('two --takes at --temperature 0 would be the same piece');
  });

  it.skipIf(!HAVE_RENDER_TOOLS)('writes take-a/ and take-b/, and --json lists both takes under takes with their sample seeds', () => {
    const json = compose('two', '--takes', '2', '--sample-seed', '90') as ComposeJson & { takes: Array<ComposeJson & { take: string }> };
    expect(json.takes.map((t) => [t.take, t.sample_seed, t.midi])).toEqual([
      ['A', 90, join(dir, 'two', 'take-a', 'piece.mid')],
      ['B', 91, join(dir, 'two', 'take-b', 'piece.mid')],
    ]);
    // The document's own keys are take A's, as without --takes.
    expect(json).toMatchObject({ midi: json.takes[0]!.midi, sample_seed: 90 });
    expect(notes(json.takes[1]!)).not.toEqual(notes(json.takes[0]!));
  });
});

describe('rhythmix compose --score', () => {
  it.skipIf(!HAVE_RENDER_TOOLS)('writes piece.musicxml and score.png beside the piece and names them in --json', () => {
    const json = compose('score', '--score', '--sample-seed', '3');
    expect(json.musicxml).toBe(join(dir, 'score', 'piece.musicxml'));
    expect(json.score_png).toBe(join(dir, 'score', 'score.png'));
    expect(json).not.toHaveProperty('scorePng');
    const xml = readFileSync(json.musicxml!, 'utf8');
    expect(xml).toContain('<score-partwise version="4.0">');
    // As many sounding notes as the MIDI file has (tied continuations are not new notes).
    const written = [...xml.matchAll(/<note>(?:(?!<\/note>).)*<\/note>/g)].filter((m) => m[0].includes('<pitch>') && !m[0].includes('<tie type="stop"/>'));
    expect(written.length).toBe(json.notes);
    const image = pngPixels(new Uint8Array(readFileSync(json.score_png!)));
    expect(image.width).toBe(SCORE_IMAGE_SIZE.width);
    expect(darkShare(image)).toBeGreaterThan(0.005);
  });

  it.skipIf(!HAVE_RENDER_TOOLS)('leaves the score out without --score', () => {
    const json = compose('no-score', '--sample-seed', '3');
    expect(json).not.toHaveProperty('musicxml');
    expect(json).not.toHaveProperty('score_png');
    expect(existsSync(join(dir, 'no-score', 'score.png'))).toBe(false);
  });
});
