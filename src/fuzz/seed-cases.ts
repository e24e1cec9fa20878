/**
 * Seed-notation strings for the fuzzer: random sentences of the grammar (notes, chords, rests,
 * ties, triplets, dots, bar lines, metres, pitches in and out of range), then mutated — characters
 * inserted, deleted or repeated, stretches duplicated past the length limit, runaway ties, chords
 * and numbers, control characters and non-Latin text. A pure function of (seed, index).
 */
import { Rng } from '../model/rng.js';

const pick = <T>(random: Rng, items: readonly T[]): T => items[random.int(items.length)]!;

const LETTERS = ['C', 'D', 'E', 'F', 'G', 'A', 'B', 'c', 'e', 'b', 'H', 'X'];
const ACCIDENTALS = ['', '', '', '#', 'b', '♯', '♭', '##'];
const OCTAVES = ['4', '3', '5', '-1', '9', '10', '-2', '0', ''];
const VALUES = ['w', 'h', 'q', 'e', 's', 'x', ''];
const MODIFIERS = ['', '', '', 't', '.', '..', 't.', '...'];
const METRES = ['3/4', '6/8', '4/4', '5/4', '7/8', '0/4', '4/3', '99/1', '12/32', '1/64'];
/** Characters inserted by mutations: the grammar's own, spacing, and what users paste by mistake. */
const ALPHABET = [...'CDEFGABrR[]|+.-/#b0123456789whqest ,\t\n♯♭', '\u0000', '\u001b', '\u200b', '🎵', 'é', '\ud800', '"', '`', '\\'];

/** The grammar's pieces; `valid` keeps to what parses (the mutations then break it on purpose). */
interface Vocabulary {
  readonly letters: readonly string[];
  readonly accidentals: readonly string[];
  readonly octaves: readonly string[];
  readonly values: readonly string[];
  readonly modifiers: readonly string[];
  readonly barLines: boolean;
}

const ANY: Vocabulary = { letters: LETTERS, accidentals: ACCIDENTALS, octaves: OCTAVES, values: VALUES, modifiers: MODIFIERS, barLines: true };
const VALID: Vocabulary = {
  letters: LETTERS.slice(0, 9),
  accidentals: ACCIDENTALS.slice(0, 7),
  octaves: OCTAVES.slice(0, 3),
  values: VALUES.slice(0, 5),
  modifiers: MODIFIERS.slice(0, 7),
  barLines: false,
};

function duration(random: Rng, v: Vocabulary): string {
  const value = (): string => pick(random, v.values) + pick(random, v.modifiers);
  let text = value();
  for (let ties = random.next() < 0.15 ? 1 + random.int(3) : 0; ties > 0; ties -= 1) text += `+${value()}`;
  return text;
}

const pitch = (random: Rng, v: Vocabulary): string => pick(random, v.letters) + pick(random, v.accidentals) + pick(random, v.octaves);

function element(random: Rng, v: Vocabulary): string {
  const kind = random.int(v.barLines ? 10 : 9);
  if (kind < 5) return pitch(random, v) + duration(random, v);
  // Chords of distinct letters in one octave (a repeated pitch is an error).
  if (kind < 7)
    return `[${['C', 'E', 'G', 'B']
      .slice(0, 1 + random.int(4))
      .map((letter) => letter + pick(random, v.octaves.slice(0, 1)))
      .join(' ')}]${duration(random, v)}`;
  if (kind < 9) return `r${duration(random, v)}`;
  return '|';
}

/** A random sentence of the grammar: half keep to what parses, half stray. */
function sentence(random: Rng): string {
  const v = random.next() < 0.5 ? VALID : ANY;
  const parts = random.next() < 0.3 ? [pick(random, v === VALID ? METRES.slice(0, 5) : METRES)] : [];
  for (let count = 1 + random.int(24); count > 0; count -= 1) parts.push(element(random, v));
  return parts.join(pick(random, [' ', ' ', '', ', ', '  ']));
}

const MUTATIONS: Readonly<Record<string, (text: string, random: Rng) => string>> = {
  none: (text) => text,
  insert(text, random) {
    const at = random.int(text.length + 1);
    return text.slice(0, at) + pick(random, ALPHABET) + text.slice(at);
  },
  delete(text, random) {
    const at = random.int(text.length + 1);
    return text.slice(0, at) + text.slice(at + 1 + random.int(3));
  },
  /** A stretch repeated, often far past the length limit. */
  repeat(text, random) {
    const from = random.int(text.length + 1);
    const stretch = text.slice(from, from + 1 + random.int(8)) || 'C4q ';
    return text + stretch.repeat(1 + random.int(random.next() < 0.3 ? 3000 : 60));
  },
  runawayTie: (text, random) => `${text} C4q${'+q'.repeat(random.int(2000))}`,
  hugeChord: (text, random) => `${text} [${Array.from({ length: random.int(700) }, (_, i) => `${'CDEFGAB'[i % 7]}${i % 10}`).join(' ')}]w`,
  hugeNumber: (text, random) => `${pick(random, ['C', '99999999999/', '3/'])}${'9'.repeat(1 + random.int(400))}${pick(random, ['q', '', '/4 C4q'])} ${text}`,
  controlCharacters: (text, random) => text.replace(/ /g, () => pick(random, [' ', '\n', '\t', '\u0000', '\r\n', '\u00a0'])),
  foreign: (text, random) => pick(random, ['ド レ ミ', 'до ре ми', '🎵🎶🎵', '\ud83c', 'C4q\u0301', text.toUpperCase(), text.toLowerCase()]),
  empty: (_text, random) => pick(random, ['', ' ', '\n', '|', '[]q', '3/4', '+', '.']),
};

const NAMES = Object.keys(MUTATIONS);

export interface SeedCase {
  readonly name: string;
  readonly text: string;
}

export function seedCase(seed: number, index: number): SeedCase {
  const random = new Rng(seed * 104_729 + index * 2);
  const name = NAMES[index % NAMES.length]!;
  let text = MUTATIONS[name]!(sentence(random), random);
  if (random.next() < 0.3) text = MUTATIONS[pick(random, NAMES)]!(text, random);
  return { name, text };
}
