/** `rhythmix inspect` through the real binary (needs `npm run build` first, as `npm test` does). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, runCli } from './run-cli.js';
import { createPiece } from '../../src/music/piece.js';
import { writeMidi } from '../../src/midi/write.js';

const dir = mkdtempSync(join(tmpdir(), 'rhythmix-inspect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rhythmix = (...args: string[]) => runCli(args, 60_000);

beforeAll(assertCliBuilt);

describe('rhythmix inspect', () => {
  const good = join(dir, 'tune.mid');
  writeFileSync(
    good,
    writeMidi(
      createPiece(
        [
          { name: 'lead', program: 56, isDrum: false, notes: [60, 64, 67, 72].map((pitch, i) => ({ pitch, start: i, duration: 1, velocity: 90 })) },
          { name: 'beat', program: 0, isDrum: true, notes: [{ pitch: 36, start: 0, duration: 0.5, velocity: 100 }] },
        ],
        { bpm: 90, timeSignature: { numerator: 2, denominator: 4 } },
      ),
    ),
  );

  it('--json prints one document with tracks, tempo, metre, length and key', () => {
    const { status, stdout, stderr } = rhythmix('inspect', good, '--json');
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const summary = JSON.parse(stdout) as Record<string, unknown> & { tracks: Array<Record<string, unknown>> };
    expect(summary.tracks.map((t) => [t.name, t.program, t.instrument, t.drum, t.notes])).toEqual([
      ['lead', 56, 'trumpet', false, 4],
      ['beat', 0, 'drums', true, 1],
    ]);
    expect(summary).toMatchObject({ tempo: 90, time_signature: '2/4', beats: 4, bars: 2, seconds: 2.67, key: 'C major' });
  });

  it('prints a readable summary without --json', () => {
    const { status, stdout } = rhythmix('inspect', good);
    expect(status).toBe(0);
    expect(stdout).toMatch(/tempo\s+90 BPM/);
    expect(stdout).toMatch(/program 56 trumpet/);
    expect(stdout).toMatch(/key\s+C major/);
  });

  it.each([
    // A valid header, then a track chunk that declares 4096 bytes and holds 20.
    [
      'corrupt',
      Uint8Array.from([...Buffer.from('MThd'), 0, 0, 0, 6, 0, 1, 0, 1, 1, 0xe0, ...Buffer.from('MTrk'), 0, 0, 0x10, 0, ...new Array<number>(20).fill(0x90)]),
      /truncated MIDI file: track 1 declares 4096 bytes but only 20 remain/,
    ],
    ['text', Buffer.from('just some text\n'), /not a MIDI file \(expected "MThd" header\)/],
  ])('a %s file: exit code 2 and one line on stderr', (name, bytes, pattern) => {
    const file = join(dir, `${name}.mid`);
    writeFileSync(file, bytes);
    const { status, stdout, stderr } = rhythmix('inspect', file);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^rhythmix: /);
    expect(lines[0]).toContain(file);
    expect(lines[0]).toMatch(pattern);
  });

  it('a missing file and a file over --max-midi-bytes: exit code 2', () => {
    const missing = rhythmix('inspect', join(dir, 'nope.mid'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^rhythmix: .*nope\.mid: no such file\n$/);
    const big = rhythmix('inspect', good, '--max-midi-bytes', '10');
    expect(big.status).toBe(2);
    expect(big.stderr).toMatch(/^rhythmix: .*file too large: \d+ bytes > limit 10 bytes/);
  });
});
