/**
 * `node dist/fuzz/measure.js FILE`: reads one MIDI file as `rhythmix inspect` does (parse, then
 * summarise) in a process of its own and prints {outcome, ms, max_rss_mb, detail} as JSON — the
 * memory figure is this whole process's peak, Node itself included.
 */
import { readFileSync } from 'node:fs';
import { summarizePiece } from '../midi/summary.js';
import { parseMidi } from '../midi/read.js';
import { InvalidInputError, errorMessage } from '../util/errors.js';

export interface Measurement {
  readonly outcome: 'accepted' | 'typed_error' | 'crash';
  readonly ms: number;
  readonly max_rss_mb: number;
  /** The summary's size as JSON, or the error message. */
  readonly detail: string;
}

function measure(file: string): Measurement {
  const bytes = readFileSync(file);
  const started = performance.now();
  let outcome: Measurement['outcome'];
  let detail: string;
  try {
    detail = `summary of ${JSON.stringify(summarizePiece(parseMidi(bytes))).length} bytes`;
    outcome = 'accepted';
  } catch (error) {
    outcome = error instanceof InvalidInputError ? 'typed_error' : 'crash';
    detail = errorMessage(error);
  }
  const ms = Math.round((performance.now() - started) * 10) / 10;
  return { outcome, ms, max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024), detail };
}

const file = process.argv[2];
if (file === undefined) {
  console.error('usage: node dist/fuzz/measure.js FILE.mid');
  process.exitCode = 2;
} else {
  console.log(JSON.stringify(measure(file)));
}
