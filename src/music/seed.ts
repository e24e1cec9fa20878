/**
 * Seed notation: the short text people type in Discord to start a piece
 * (docs/seed-notation.md has the full grammar and examples).
 *
 *     parseSeed('C4q E4q G4h | [C4 E4 G4]w rq')  // => a one-track Piece, 4/4, 120 bpm
 *     formatSeed(parseSeed('3/4 D4q. E4e F#4q'))  // => '3/4 D4q. E4e F#4q'
 *     parseSeed('C4q E4q G4 | C5w')
 *     // throws SeedSyntaxError 'at 10: expected a duration (w h q e s) after "G4"'
 *
 * Grammar (whitespace between elements is optional):
 *
 *     seed     := meter? element+          meter: N/D, e.g. 3/4 or 6/8, first only
 *     element  := note | chord | rest | '|'
 *     note     := pitch duration           C4q, F#3e., Bb2h+q
 *     chord    := '[' pitch+ ']' duration  [C4 E4 G4]w
 *     rest     := 'r' duration             rq, rh.
 *     pitch    := A-G (# | b | ♯ | ♭)? octave -1..9   (C4 = 60, A4 = 69)
 *     duration := value ('+' value)*       a tie: h+q lasts three beats
 *     value    := w | h | q | e | s, then t (triplet, ×2/3), then . or .. (dotted)
 */
import { InvalidInputError } from '../util/errors.js';
import { QUOTE_MAX_CHARS, quoteInput } from '../util/text.js';
import { DEFAULT_BPM, DEFAULT_VELOCITY, type Note, type Piece, compareNotes } from './piece.js';

/** A seed that does not follow the notation; `position` is the 0-based index into the text. */
export class SeedSyntaxError extends InvalidInputError {
  readonly position: number;
  readonly expected: string;

  constructor(position: number, expected: string) {
    super(`at ${position}: ${expected}`);
    this.position = position;
    this.expected = expected;
  }
}

export interface SeedOptions {
  /** Tempo of the piece; default 120. */
  readonly bpm?: number;
  /** Metre when the seed does not start with one; default 4/4. */
  readonly timeSignature?: { readonly numerator: number; readonly denominator: number };
  /** General MIDI program of the seed's track; default 0 (piano). */
  readonly program?: number;
  readonly velocity?: number;
  readonly trackName?: string;
  /** Longest accepted text in characters; default 1000. */
  readonly maxLength?: number;
  /** Most notes accepted (a chord counts each of its notes); default 500. */
  readonly maxNotes?: number;
}

export interface SeedParse {
  readonly piece: Piece;
  /** Length including trailing rests, in quarter notes (the piece itself ends with its last note). */
  readonly lengthBeats: number;
}

/** Internal time unit: 48 ticks per quarter note hold every value, dotted and triplet, exactly. */
const TICKS = 48;
const VALUE_TICKS: Record<string, number> = { w: 192, h: 96, q: 48, e: 24, s: 12 };
const LETTER_PITCH_CLASS: Record<string, number> = { C: 0, D: 2, E: 4, F: 5, G: 7, A: 9, B: 11 };
const NOTE_NAMES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'];
const DURATION_HINT = 'a duration (w h q e s)';
const ELEMENT_HINT = 'a note (e.g. C4q), a chord ([C4 E4]h), a rest (rq) or a bar line (|)';

/**
 * The name of a MIDI pitch in seed notation.
 *
 *     pitchName(60)  // => 'C4'
 *     pitchName(70)  // => 'A#4'
 */
export function pitchName(pitch: number): string {
  return `${NOTE_NAMES[pitch % 12]}${Math.floor(pitch / 12) - 1}`;
}

class SeedParser {
  private pos = 0;
  private time = 0;
  private lastBarLine = 0;
  private numerator: number;
  private denominator: number;
  private readonly notes: Note[] = [];

  constructor(
    private readonly text: string,
    private readonly options: SeedOptions,
  ) {
    this.numerator = options.timeSignature?.numerator ?? 4;
    this.denominator = options.timeSignature?.denominator ?? 4;
  }

  /** Throw `at N: expected <what>`. */
  private expect(what: string, at = this.pos): never {
    throw new SeedSyntaxError(at, `expected ${what}`);
  }

  /** Throw `at N: <message>` for errors that are not about what should come next. */
  private fail(message: string, at: number): never {
    throw new SeedSyntaxError(at, message);
  }

  private peek(): string {
    return this.text[this.pos] ?? '';
  }

  private skipSpace(): void {
    while (/\s|,/.test(this.peek()) && this.pos < this.text.length) this.pos++;
  }

  private barTicks(): number {
    return (this.numerator * 4 * TICKS) / this.denominator;
  }

  parse(): SeedParse {
    this.skipSpace();
    if (this.pos >= this.text.length) this.fail('the seed is empty: expected notes such as "C4q E4q G4h"', 0);
    this.parseMeter();
    let elements = 0;
    for (this.skipSpace(); this.pos < this.text.length; this.skipSpace()) {
      this.parseElement();
      elements++;
    }
    if (elements === 0) this.expect(`${ELEMENT_HINT} after the metre`);
    const options = this.options;
    const piece: Piece = {
      tracks: [
        {
          name: options.trackName ?? 'Seed',
          program: options.program ?? 0,
          isDrum: false,
          notes: [...this.notes].sort(compareNotes),
        },
      ],
      tempos: [{ time: 0, bpm: options.bpm ?? DEFAULT_BPM }],
      timeSignatures: [{ time: 0, numerator: this.numerator, denominator: this.denominator }],
    };
    return { piece, lengthBeats: this.time / TICKS };
  }

  private parseMeter(): void {
    const match = /^(\d{1,2})\/(\d{1,2})/.exec(this.text.slice(this.pos));
    if (match === null) return;
    const numerator = Number(match[1]);
    const denominator = Number(match[2]);
    if (numerator < 1 || ![1, 2, 4, 8, 16, 32].includes(denominator)) {
      this.expect(`a metre such as 4/4, 3/4 or 6/8, got ${quoteInput(match[0])}`);
    }
    this.numerator = numerator;
    this.denominator = denominator;
    this.pos += match[0].length;
  }

  private parseElement(): void {
    const start = this.pos;
    const c = this.peek();
    if (c === '|') {
      this.pos++;
      this.checkBarLine(start);
      return;
    }
    if (c === 'r' || c === 'R') {
      this.pos++;
      this.time += this.parseDuration('"r"');
      return;
    }
    if (c === '[') {
      this.pos++;
      const pitches: number[] = [];
      for (this.skipSpace(); this.peek() !== ']'; this.skipSpace()) {
        if (this.pos >= this.text.length) this.expect(`"]" to close the chord opened at ${start}`);
        if (!(this.peek().toUpperCase() in LETTER_PITCH_CLASS)) {
          this.expect(pitches.length === 0 ? 'a note name A-G after "["' : 'another note or "]" (a chord\'s duration goes after "]")');
        }
        const pitch = this.parsePitch();
        if (/[whqes]/.test(this.peek())) this.expect('another note or "]" (a chord\'s duration goes after "]")');
        pitches.push(pitch);
      }
      if (pitches.length === 0) this.expect('a note name A-G after "["');
      this.pos++; // ']'
      this.addNotes(pitches, this.parseDuration(quoteInput(this.text.slice(start, this.pos))), start);
      return;
    }
    if (c.toUpperCase() in LETTER_PITCH_CLASS && c !== '') {
      const pitch = this.parsePitch();
      this.addNotes([pitch], this.parseDuration(quoteInput(this.text.slice(start, this.pos))), start);
      return;
    }
    this.expect(`${ELEMENT_HINT}, got ${quoteInput(c)}`);
  }

  private parsePitch(): number {
    const start = this.pos;
    const letter = this.peek().toUpperCase();
    this.pos++;
    let accidental = 0;
    const a = this.peek();
    if (a === '#' || a === '♯') accidental = 1;
    else if (a === 'b' || a === '♭') accidental = -1;
    if (accidental !== 0) this.pos++;
    const octave = /^-?\d/.exec(this.text.slice(this.pos));
    if (octave === null) this.expect(`an octave (-1 to 9) after ${quoteInput(this.text.slice(start, this.pos))}, e.g. C4`);
    this.pos += octave[0].length;
    const pitch = (Number(octave[0]) + 1) * 12 + (LETTER_PITCH_CLASS[letter] ?? 0) + accidental;
    if (pitch < 0 || pitch > 127) {
      this.expect(`a pitch from C-1 to G9, got ${quoteInput(this.text.slice(start, this.pos))} (MIDI ${pitch})`, start);
    }
    return pitch;
  }

  /** One or more values joined by '+'; returns ticks. */
  private parseDuration(after: string): number {
    let total = this.parseValue(after);
    while (this.peek() === '+') {
      this.pos++;
      total += this.parseValue('"+"');
    }
    return total;
  }

  private parseValue(after: string): number {
    const base = VALUE_TICKS[this.peek()];
    if (base === undefined) this.expect(`${DURATION_HINT} after ${after}`);
    this.pos++;
    let ticks = base;
    if (this.peek() === 't') {
      ticks = (ticks * 2) / 3;
      this.pos++;
    }
    if (this.text.startsWith('..', this.pos)) {
      ticks = (ticks * 7) / 4;
      this.pos += 2;
    } else if (this.peek() === '.') {
      ticks = (ticks * 3) / 2;
      this.pos++;
    }
    return ticks;
  }

  private addNotes(pitches: readonly number[], ticks: number, at: number): void {
    const maxNotes = this.options.maxNotes ?? 500;
    if (this.notes.length + pitches.length > maxNotes) this.fail(`too many notes: a seed may hold at most ${maxNotes}`, at);
    const seen = new Set<number>();
    for (const pitch of pitches) {
      if (seen.has(pitch)) this.expect(`distinct notes in a chord, ${pitchName(pitch)} appears twice`, at);
      seen.add(pitch);
      this.notes.push({
        pitch,
        start: this.time / TICKS,
        duration: ticks / TICKS,
        velocity: this.options.velocity ?? DEFAULT_VELOCITY,
      });
    }
    this.time += ticks;
  }

  private checkBarLine(at: number): void {
    const bar = this.barTicks();
    const offset = this.time % bar;
    if (offset !== 0) {
      const meter = `${this.numerator}/${this.denominator}`;
      const beats = (ticks: number): string => `${Number((ticks / TICKS).toFixed(3))}`;
      if (this.lastBarLine === 0 && this.time < bar) {
        this.fail(
          `the first bar has ${beats(this.time)} beats, a ${meter} bar has ${beats(bar)} (pickup bars are not supported: start with a rest, e.g. "rq")`,
          at,
        );
      }
      this.fail(`bar line ${beats(offset)} beats into a ${meter} bar: bar lines go after whole bars of ${beats(bar)} beats`, at);
    }
    this.lastBarLine = this.time;
  }
}

/**
 * Parse seed notation with its length (trailing rests count, which a Piece cannot show).
 * Throws `SeedSyntaxError` (an `InvalidInputError`) naming the position and what was
 * expected.
 */
export function readSeed(text: string, options: SeedOptions = {}): SeedParse {
  const maxLength = options.maxLength ?? 1000;
  if (text.length > maxLength) {
    throw new SeedSyntaxError(maxLength, `the seed is ${text.length} characters long, at most ${maxLength} are allowed`);
  }
  return new SeedParser(text, options).parse();
}

/** Parse seed notation into a one-track piece (see the module comment for the grammar). */
export function parseSeed(text: string, options: SeedOptions = {}): Piece {
  return readSeed(text, options).piece;
}

/** Single symbols by length in ticks, preferring plain, dotted, triplet, double-dotted. */
const SYMBOLS: ReadonlyMap<number, string> = (() => {
  const map = new Map<number, string>();
  const variants: Array<[string, number]> = [
    ['', 1],
    ['.', 1.5],
    ['t', 2 / 3],
    ['..', 1.75],
    ['t.', 1],
  ];
  for (const [suffix, factor] of variants) {
    for (const [letter, ticks] of Object.entries(VALUE_TICKS)) {
      const length = ticks * factor;
      if (Number.isInteger(length) && !map.has(length)) map.set(length, letter + suffix);
    }
  }
  return map;
})();
const GREEDY: ReadonlyArray<[number, string]> = [
  [288, 'w.'],
  [192, 'w'],
  [144, 'h.'],
  [96, 'h'],
  [72, 'q.'],
  [48, 'q'],
  [36, 'e.'],
  [24, 'e'],
  [12, 's'],
];

/** Seed text for a length in ticks (rounded to 1/12 beat, at least a 32nd triplet). */
function durationText(rawTicks: number): string {
  const ticks = Math.max(8, Math.round(rawTicks / 4) * 4);
  const single = SYMBOLS.get(ticks);
  if (single !== undefined) return single;
  const parts: string[] = [];
  let rest = ticks;
  // Triplet remainder first: 4 mod 12 needs an eighth triplet (16), 8 mod 12 a 16th triplet (8).
  if (rest % 12 === 4) {
    parts.push('et');
    rest -= 16;
  }
  if (rest % 12 === 8) {
    parts.push('st');
    rest -= 8;
  }
  const plain: string[] = [];
  for (const [length, symbol] of GREEDY) {
    while (rest >= length) {
      plain.push(symbol);
      rest -= length;
    }
  }
  return [...plain, ...parts].join('+');
}

/**
 * Seed notation for a piece: pitched notes of all tracks, grouped by onset into notes and
 * chords; a group lasts as long as its longest note but stops where the next group starts;
 * gaps become rests; bar lines are written where a bar line falls between groups; trailing
 * rests up to `lengthBeats` (as `readSeed` reports it). Exact inverse of `readSeed` for
 * seeds (same text up to spacing and spelling: sharps, one symbol where one does, e.g.
 * `w.` for `w+h`); lossy for polyphony that seed notation cannot express.
 *
 *     formatSeed(parseSeed('c4q  e4q'))          // => 'C4q E4q'
 *     formatSeed(parseSeed('Db4h [G4 C4 E4]h'))  // => 'C#4h [C4 E4 G4]h'
 */
export function formatSeed(piece: Piece, options: { lengthBeats?: number } = {}): string {
  const ts = piece.timeSignatures[0] ?? { numerator: 4, denominator: 4 };
  const barTicks = (ts.numerator * 4 * TICKS) / ts.denominator;
  const groups = new Map<number, { pitches: Set<number>; ticks: number }>();
  for (const track of piece.tracks) {
    if (track.isDrum) continue;
    for (const note of track.notes) {
      const start = Math.round(note.start * TICKS);
      const group = groups.get(start) ?? { pitches: new Set<number>(), ticks: 0 };
      group.pitches.add(note.pitch);
      group.ticks = Math.max(group.ticks, Math.round(note.duration * TICKS));
      groups.set(start, group);
    }
  }
  const starts = [...groups.keys()].sort((a, b) => a - b);
  const parts: string[] = ts.numerator === 4 && ts.denominator === 4 ? [] : [`${ts.numerator}/${ts.denominator}`];
  let time = 0;
  const advance = (ticks: number, text: string): void => {
    parts.push(text);
    time += ticks;
  };
  const barLine = (): void => {
    if (time > 0 && time % barTicks === 0) parts.push('|');
  };
  starts.forEach((start, i) => {
    if (start > time) {
      advance(start - time, `r${durationText(start - time)}`);
      barLine();
    }
    const group = groups.get(start) as { pitches: Set<number>; ticks: number };
    const next = starts[i + 1];
    const ticks = next === undefined ? group.ticks : Math.min(group.ticks, next - start);
    const names = [...group.pitches].sort((a, b) => a - b).map(pitchName);
    const text = names.length === 1 ? `${names[0]}${durationText(ticks)}` : `[${names.join(' ')}]${durationText(ticks)}`;
    advance(ticks, text);
    time = start + ticks;
    if (next !== undefined) barLine();
  });
  const length = Math.round((options.lengthBeats ?? 0) * TICKS);
  if (length > time) {
    barLine();
    advance(length - time, `r${durationText(length - time)}`);
  }
  return parts.join(' ');
}

/**
 * Two lines showing where an error is: the seed and a caret under `position`. A long seed is
 * shown as the stretch of QUOTE_MAX_CHARS characters around the position, "…" marking the cuts;
 * line breaks and tabs show as spaces so the caret stays under its character.
 */
export function seedErrorPointer(text: string, position: number): string {
  const at = Math.max(0, Math.min(position, text.length));
  let from = Math.max(0, Math.min(at - QUOTE_MAX_CHARS / 2, text.length - QUOTE_MAX_CHARS));
  // Not half of a surrogate pair at the cut.
  if (from > 0 && /[\udc00-\udfff]/.test(text[from] ?? '')) from += 1;
  const to = Math.min(text.length, from + QUOTE_MAX_CHARS);
  const before = from > 0 ? '…' : '';
  const shown = `${before}${text.slice(from, to).replace(/\s/g, ' ')}${to < text.length ? '…' : ''}`;
  return `${shown}\n${' '.repeat(before.length + at - from)}^`;
}
