/**
 * One fuzz case, classified: accepted (parsed into a valid piece), typed_error (refused with
 * InvalidInputError and a usable message: one line, short, no "undefined"), or crash (anything
 * else — another exception, an invalid piece, a message that breaks the rules).
 */
import { parseMidi } from '../midi/read.js';
import { assertValidPiece, type Piece } from '../music/piece.js';
import { readSeed } from '../music/seed.js';
import { InvalidInputError, errorMessage } from '../util/errors.js';
import { midiCase } from './midi-cases.js';
import { seedCase } from './seed-cases.js';
import type { SmfFile } from './smf.js';

export type FuzzTarget = 'midi' | 'seed';
export type CaseOutcome = 'accepted' | 'typed_error' | 'crash';

export interface CaseResult {
  readonly target: FuzzTarget;
  readonly index: number;
  readonly outcome: CaseOutcome;
  /** Time to parse (and validate) the input, not to make it. */
  readonly ms: number;
  /** The case's mutations and, for a crash, what went wrong. */
  readonly detail: string;
  /** Parsed under raised limits (beyond what the time and memory bounds promise). */
  readonly raisedLimits: boolean;
}

/** Longest acceptable error message: the longest legitimate one is about 150 characters. */
export const MAX_MESSAGE_CHARS = 300;

function messageProblem(message: string): string | undefined {
  if (message.includes('\n')) return 'message spans lines';
  if (message.length > MAX_MESSAGE_CHARS) return `message of ${message.length} characters`;
  if (/undefined|NaN|\[object/.test(message)) return 'message shows undefined, NaN or [object]';
  return undefined;
}

function classify(target: FuzzTarget, index: number, name: string, parse: () => Piece, raisedLimits = false): CaseResult {
  const started = performance.now();
  let outcome: CaseOutcome;
  let detail = name;
  try {
    assertValidPiece(parse());
    outcome = 'accepted';
  } catch (error) {
    const problem =
      error instanceof InvalidInputError ? messageProblem(error.message) : `${error instanceof Error ? error.name : typeof error}: ${errorMessage(error)}`;
    outcome = problem === undefined ? 'typed_error' : 'crash';
    if (problem !== undefined) detail = `${name}: ${problem.slice(0, 300)}`;
  }
  return { target, index, outcome, ms: performance.now() - started, detail, raisedLimits };
}

/** Case `index` of target `target` in the run seeded `seed`. */
export function runCase(target: FuzzTarget, seed: number, index: number, corpus: readonly SmfFile[]): CaseResult {
  if (target === 'midi') {
    const { name, bytes } = midiCase(corpus, seed, index);
    // One case in eight with the track limit at the format's maximum, so 65,535-track files
    // are decoded rather than refused at the header.
    const raised = index % 8 === 7;
    return classify(target, index, `${name}${raised ? ' (65,535 tracks allowed)' : ''}`, () => parseMidi(bytes, raised ? { maxTracks: 65_535 } : {}), raised);
  }
  const { name, text } = seedCase(seed, index);
  return classify(target, index, name, () => readSeed(text).piece);
}
