/**
 * General MIDI instrument names, taken from @tonejs/midi's tables so that names match what
 * other Tone.js tools show.
 */
import { instrumentByPatchID } from '@tonejs/midi/dist/InstrumentMaps.js';

/** The GM instrument name of a program 0..127, e.g. 0 → "acoustic grand piano". */
export function gmInstrumentName(program: number): string {
  return instrumentByPatchID[program] ?? `program ${program}`;
}

/** Channel 10 (index 9) is the General MIDI percussion channel. */
export const DRUM_CHANNEL = 9;
