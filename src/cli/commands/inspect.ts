/**
 * `rhythmix inspect FILE.mid [--json]`: tracks (name, GM program and instrument, drum flag,
 * notes), tempo, time signature, length in seconds and bars, estimated key.
 */
import type { Command } from 'commander';
import { MIDI_LIMIT_FLAGS, midiLimitsFromFlags } from '../../midi/limits.js';
import { readMidiFile } from '../../midi/read.js';
import { summarizePiece, type PieceSummary } from '../../midi/summary.js';

interface InspectOptions {
  json?: boolean;
  [flag: string]: unknown;
}

function formatDuration(seconds: number): string {
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

function changes(count: number): string {
  return count > 1 ? ` (${count - 1} change${count > 2 ? 's' : ''})` : '';
}

export function formatSummary(file: string, summary: PieceSummary): string {
  const lines = [
    file,
    `  length          ${formatDuration(summary.seconds)} (${summary.seconds} s), ${summary.bars} bars, ${summary.beats} beats`,
    `  tempo           ${summary.tempo} BPM${changes(summary.tempo_count)}`,
    `  time signature  ${summary.time_signature}${changes(summary.time_signature_count)}`,
    `  key             ${summary.key === null ? 'unknown (no pitched notes)' : `${summary.key} (confidence ${summary.key_confidence})`}`,
    `  notes           ${summary.notes} in ${summary.track_count} track${summary.track_count === 1 ? '' : 's'}`,
  ];
  const nameWidth = Math.max(4, ...summary.tracks.map((t) => t.name.length));
  for (const track of summary.tracks) {
    const instrument = track.drum ? 'drums (channel 10)' : `program ${track.program} ${track.instrument}`;
    lines.push(`  ${String(track.index + 1).padStart(3)}  ${track.name.padEnd(nameWidth)}  ${instrument.padEnd(36)} ${String(track.notes).padStart(6)} notes`);
  }
  // The summary lists the first tracks only (src/midi/summary.ts), so the output stays small.
  const unlisted = summary.track_count - summary.tracks.length;
  if (unlisted > 0) lines.push(`  … and ${unlisted} more track${unlisted === 1 ? '' : 's'}`);
  return lines.join('\n');
}

export function register(program: Command): void {
  const command = program
    .command('inspect')
    .description('show the tracks, instruments, tempo, metre, length and key of a MIDI file')
    .argument('<file>', 'a MIDI file (.mid)')
    .option('--json', 'print one JSON document');
  for (const { flag, description } of MIDI_LIMIT_FLAGS) command.option(flag, description);
  command.action(async (file: string, options: InspectOptions) => {
    const piece = await readMidiFile(file, midiLimitsFromFlags(options));
    const summary = summarizePiece(piece);
    if (options.json) console.log(JSON.stringify({ file, ...summary }, null, 2));
    else console.log(formatSummary(file, summary));
  });
}
