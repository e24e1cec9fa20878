/** `rhythmix dataset …` through the real binary (needs `npm run build` first, as `npm test` does). */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, runCli } from './run-cli.js';
import { createPiece } from '../../src/music/piece.js';
import { writeMidi } from '../../src/midi/write.js';
import { datasetsRoot } from '../../src/datasets/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'rhythmix-dataset-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rhythmix = (...args: string[]) => runCli(args);

beforeAll(assertCliBuilt);

const STATS_KEYS = ['files', 'parsed', 'failed', 'notes', 'notes_kept', 'tokens', 'vocabulary_coverage', 'off_grid_notes'];

const folder = join(dir, 'folk-tunes');
mkdirSync(folder);
for (let i = 0; i < 3; i += 1) {
  const notes = Array.from({ length: 6 }, (_, n) => ({ pitch: 60 + n + i, start: n / 2, duration: 0.5, velocity: 80 }));
  writeFileSync(join(folder, `tune${i}.mid`), writeMidi(createPiece([{ name: 'fiddle', program: 40, isDrum: false, notes }])));
}
writeFileSync(join(folder, 'broken.mid'), 'RIFF....');

describe('rhythmix dataset stats', () => {
  it('--json on a folder: the contract keys, failures with reasons', () => {
    const { status, stdout } = rhythmix('dataset', 'stats', folder, '--json');
    expect(status).toBe(0);
    const stats = JSON.parse(stdout) as Record<string, unknown>;
    for (const key of STATS_KEYS) expect(stats, key).toHaveProperty(key);
    expect(stats).toMatchObject({ files: 4, parsed: 3, notes: 18, notes_kept: 18, off_grid_notes: 0, style: 'folk' });
    expect(stats.failed).toEqual([{ file: join(folder, 'broken.mid'), reason: 'not a MIDI file (expected "MThd" header)' }]);
  });

  it('bad options: exit code 2 and one line', () => {
    for (const args of [
      ['dataset', 'stats', folder, '--steps-per-quarter', '0'],
      ['dataset', 'stats', folder, '--style', 'jazz'],
    ]) {
      const { status, stderr } = rhythmix(...args);
      expect(status, args.join(' ')).toBe(2);
      expect(stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(stderr).toMatch(/^rhythmix: /);
    }
  });

  const valid = join(datasetsRoot(), 'nottingham/valid');
  it.skipIf(!existsSync(valid))('nottingham/valid: 69 files, 0 failed, at least 99 % of notes kept', () => {
    const { status, stdout } = rhythmix('dataset', 'stats', valid, '--json');
    expect(status).toBe(0);
    const stats = JSON.parse(stdout) as { files: number; failed: unknown[]; notes: number; notes_kept: number };
    expect(stats.files).toBe(69);
    expect(stats.failed).toEqual([]);
    expect(stats.notes_kept / stats.notes).toBeGreaterThanOrEqual(0.99);
  });
});

describe('rhythmix dataset build', () => {
  it('writes shards and reports the split', () => {
    const out = join(dir, 'shards');
    const { status, stdout, stderr } = rhythmix('dataset', 'build', folder, '--out', out, '--valid-fraction', '0.5', '--seed', '3', '--json');
    expect(status, stderr).toBe(0);
    const summary = JSON.parse(stdout) as { pieces: number; failed: unknown[]; splits: Record<string, { pieces: number }> };
    expect(summary.pieces).toBe(3);
    expect(summary.failed).toHaveLength(1);
    expect(summary.splits.train!.pieces + summary.splits.valid!.pieces).toBe(3);
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);
    const refused = rhythmix('dataset', 'build', folder, '--out', folder);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/^rhythmix: output folder .* is not empty/);
  });
});
