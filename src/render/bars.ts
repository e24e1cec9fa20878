import { barLengthBeats, type Piece } from '../music/piece.js';

/** Bar start positions (quarter notes) before `end`, following time-signature changes. */
export function barStarts(piece: Pick<Piece, 'timeSignatures'>, end: number, maxBars = 10_000): number[] {
  const starts: number[] = [];
  const signatures = piece.timeSignatures.length > 0 ? piece.timeSignatures : [{ time: 0, numerator: 4, denominator: 4 }];
  let index = 0;
  let position = 0;
  while (position < end - 1e-9 && starts.length < maxBars) {
    while (index + 1 < signatures.length && (signatures[index + 1]?.time ?? Infinity) <= position + 1e-9) index++;
    starts.push(position);
    const signature = signatures[index] ?? { numerator: 4, denominator: 4 };
    const next = signatures[index + 1];
    const barEnd = position + barLengthBeats(signature);
    // A metre change mid-bar starts a new bar there (files do this; MIDI does not forbid it).
    position = next !== undefined && next.time > position + 1e-9 && next.time < barEnd - 1e-9 ? next.time : barEnd;
  }
  return starts;
}

/** Where bar `count` ends (the start of bar count + 1), in quarter notes. */
export function barsToBeats(piece: Pick<Piece, 'timeSignatures'>, count: number): number {
  const starts = barStarts(piece, Number.MAX_SAFE_INTEGER, count + 1);
  return starts[count] ?? 0;
}
