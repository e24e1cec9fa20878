/**
 * Our MIDI decoder against @tonejs/midi on every MIDI file of ../shared/datasets (skipped where
 * absent): the same notes (pitch, onset, length, velocity, drum flag, program). @tonejs/midi
 * routes a note-off to the track of the channel's program *at the note-off*, so across a
 * program change it pairs note-ons with the wrong note-offs or none; we pair per channel and
 * pitch. So on files with mid-note program changes Tonejs loses or stretches a few notes —
 * the bound below allows for that and nothing more.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import tonejs from '@tonejs/midi';
import { describe, expect, it } from 'vitest';
import { parseMidi } from '../../src/midi/read.js';
import { datasetsRoot } from '../../src/datasets/paths.js';

const root = datasetsRoot();
// Not planetblupi: its 10,000-note tracks take @tonejs/midi's quadratic pairing many seconds.
const FOLDERS = ['nottingham/valid', 'game-music/freedoom', 'game-music/openmsx'];

function toneNotes(bytes: Uint8Array): string[] {
  const midi = new tonejs.Midi(bytes);
  return midi.tracks.flatMap((track) =>
    track.notes.map((n) => {
      const instrument = track.channel === 9 ? 'drums' : track.instrument.number;
      return `${instrument}:${n.midi}:${n.ticks}:${Math.max(1, n.durationTicks)}:${Math.round(n.velocity * 127)}`;
    }),
  );
}

function ourNotes(bytes: Uint8Array, ppq: number): string[] {
  return parseMidi(bytes).tracks.flatMap((track) =>
    track.notes.map((n) => {
      const instrument = track.isDrum ? 'drums' : track.program;
      return `${instrument}:${n.pitch}:${Math.round(n.start * ppq)}:${Math.round(n.duration * ppq)}:${n.velocity}`;
    }),
  );
}

describe.skipIf(!existsSync(root))('MIDI decoder agrees with @tonejs/midi', () => {
  for (const folder of FOLDERS) {
    it.skipIf(!existsSync(join(root, folder)))(folder, () => {
      let total = 0;
      let missing = 0;
      const differing: string[] = [];
      for (const file of readdirSync(join(root, folder)).filter((f) => f.endsWith('.mid'))) {
        const bytes = readFileSync(join(root, folder, file));
        const ppq = new tonejs.Midi(bytes).header.ppq;
        const ours = new Map<string, number>();
        for (const key of ourNotes(bytes, ppq)) ours.set(key, (ours.get(key) ?? 0) + 1);
        const theirs = toneNotes(bytes);
        let fileMissing = 0;
        for (const key of theirs) {
          const count = ours.get(key) ?? 0;
          if (count > 0) ours.set(key, count - 1);
          else fileMissing += 1;
        }
        total += theirs.length;
        missing += fileMissing;
        if (fileMissing > 0) differing.push(`${file}: ${fileMissing} of ${theirs.length}`);
      }
      expect(total).toBeGreaterThan(0);
      // Nearly every file agrees note for note; the rest differ only on a few notes.
      expect(differing.length, differing.join('; ')).toBeLessThanOrEqual(2);
      expect(missing / total, differing.join('; ')).toBeLessThan(0.01);
    });
  }
});
