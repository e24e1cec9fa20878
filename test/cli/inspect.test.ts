/** `rhythmix inspect` through the real binary (needs `npm run build` first, as `npm test` does). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, runCli } from './run-cli.js';
import { createPiece } from '../../src/music/piece.js';
import { writeMidi } from '../../src/midi/write.js';
import { noteOff, noteOn, program, smf, tempo, timeSignature, varInt } from '../midi/smf.js';

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

  it('prints at most 64 KB for a file at every limit: names cut, long lists counted', () => {
    // A conductor track with the most tempo and metre changes allowed, then 255 tracks whose
    // names are 300 characters with a terminal escape code.
    const name = (i: number) => [...Buffer.from(`\u001b[31m${'n'.repeat(290)}${i}`, 'latin1')];
    const conductor = [
      ...Array.from({ length: 20_000 }, (_, i) => tempo(1, i % 2 ? 400_000 : 500_000)).flat(),
      ...Array.from({ length: 10_000 }, (_, i) => timeSignature(i === 0 ? 0 : 1, i % 2 ? 3 : 4, 2)).flat(),
    ];
    const tracks = Array.from({ length: 255 }, (_, i) => {
      const bytes = name(i);
      return [0x00, 0xff, 0x03, ...varInt(bytes.length), ...bytes, ...program(0, i % 16, i % 128), ...noteOn(0, i % 16, 60), ...noteOff(480, i % 16, 60)];
    });
    const file = join(dir, 'limits.mid');
    writeFileSync(file, smf([conductor, ...tracks]));

    const json = rhythmix('inspect', file, '--json');
    expect(json.stderr).toBe('');
    expect(json.status).toBe(0);
    expect(Buffer.byteLength(json.stdout)).toBeLessThanOrEqual(64 * 1024);
    const summary = JSON.parse(json.stdout) as {
      tracks: Array<{ name: string }>;
      track_count: number;
      tempos: unknown[];
      tempo_count: number;
      time_signature_count: number;
    };
    // The first change (at tick 1) repeats the default 120 BPM and merges into it.
    expect(summary).toMatchObject({ track_count: 255, tempo_count: 20_000, time_signature_count: 10_000 });
    expect(summary.tracks.length).toBeLessThan(255);
    expect(summary.tempos.length).toBeLessThan(20_000);
    expect([...summary.tracks[0]!.name]).toHaveLength(64);
    expect(json.stdout).not.toContain('\u001b');

    const text = rhythmix('inspect', file);
    expect(text.status).toBe(0);
    expect(Buffer.byteLength(text.stdout)).toBeLessThanOrEqual(64 * 1024);
    expect(text.stdout).toMatch(/tempo\s+120 BPM \(19999 changes\)/);
    expect(text.stdout).toMatch(/notes\s+255 in 255 tracks/);
    expect(text.stdout).toMatch(/… and \d+ more tracks\n$/);
    expect(text.stdout).not.toContain('\u001b');
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
