/**
 * Instrument names people type (`--instruments piano,strings,drums`) → General MIDI programs, in
 * one table. A GM program number 0..127 is accepted too, for anything the table lacks.
 */
import type { Style } from '../music/styles.js';
import { InvalidInputError } from '../util/errors.js';
import { quoteInput } from '../util/text.js';

export interface InstrumentSpec {
  /** The name as the table spells it (or `program-N`). */
  readonly name: string;
  /** General MIDI program 0..127 (0 for drums). */
  readonly program: number;
  readonly isDrum: boolean;
}

/** Name → GM program; `null` marks the percussion channel. */
export const INSTRUMENT_PROGRAMS: Readonly<Record<string, number | null>> = Object.freeze({
  piano: 0,
  'bright-piano': 1,
  'electric-piano': 4,
  harpsichord: 6,
  celesta: 8,
  glockenspiel: 9,
  'music-box': 10,
  vibraphone: 11,
  marimba: 12,
  xylophone: 13,
  bells: 14,
  organ: 19,
  'church-organ': 19,
  accordion: 21,
  harmonica: 22,
  guitar: 24,
  'nylon-guitar': 24,
  'steel-guitar': 25,
  'jazz-guitar': 26,
  'electric-guitar': 27,
  'overdriven-guitar': 29,
  'distortion-guitar': 30,
  bass: 33,
  'acoustic-bass': 32,
  'electric-bass': 33,
  'fretless-bass': 35,
  'synth-bass': 38,
  violin: 40,
  viola: 41,
  cello: 42,
  contrabass: 43,
  'tremolo-strings': 44,
  pizzicato: 45,
  harp: 46,
  timpani: 47,
  strings: 48,
  'slow-strings': 49,
  'synth-strings': 50,
  choir: 52,
  voice: 53,
  'orchestra-hit': 55,
  trumpet: 56,
  trombone: 57,
  tuba: 58,
  horn: 60,
  'french-horn': 60,
  brass: 61,
  'synth-brass': 62,
  'soprano-sax': 64,
  sax: 65,
  'alto-sax': 65,
  'tenor-sax': 66,
  'baritone-sax': 67,
  oboe: 68,
  'english-horn': 69,
  bassoon: 70,
  clarinet: 71,
  piccolo: 72,
  flute: 73,
  recorder: 74,
  'pan-flute': 75,
  whistle: 78,
  ocarina: 79,
  lead: 80,
  'square-lead': 80,
  'saw-lead': 81,
  chiptune: 80,
  pad: 88,
  'warm-pad': 89,
  sitar: 104,
  banjo: 105,
  shamisen: 106,
  koto: 107,
  kalimba: 108,
  bagpipe: 109,
  fiddle: 110,
  'steel-drums': 114,
  drums: null,
  percussion: null,
  'drum-kit': null,
});

/** What `--tracks N` plays, per style: the first N of these. */
export const STYLE_INSTRUMENTS: Readonly<Record<Style, readonly string[]>> = Object.freeze({
  classical: ['piano', 'strings', 'cello', 'flute', 'oboe', 'clarinet', 'horn', 'bassoon'],
  folk: ['piano', 'guitar', 'bass', 'fiddle', 'flute', 'accordion', 'harp', 'recorder'],
  game: ['square-lead', 'synth-bass', 'drums', 'pad', 'electric-piano', 'strings', 'saw-lead', 'marimba'],
});

export const MAX_TRACKS = 16;

function canonicalName(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-');
}

export function resolveInstrument(text: string): InstrumentSpec {
  const name = canonicalName(text);
  const numeric = /^(?:program[-:]?)?(\d{1,3})$/.exec(name);
  if (numeric) {
    const program = Number(numeric[1]);
    if (program <= 127) return { name: `program-${program}`, program, isDrum: false };
  }
  if (Object.hasOwn(INSTRUMENT_PROGRAMS, name)) {
    const program = INSTRUMENT_PROGRAMS[name];
    return program === null || program === undefined ? { name, program: 0, isDrum: true } : { name, program, isDrum: false };
  }
  throw new InvalidInputError(
    `unknown instrument ${quoteInput(text)}: expected a General MIDI program 0-127 or one of ${Object.keys(INSTRUMENT_PROGRAMS).join(', ')}`,
    {
      field: 'instruments',
    },
  );
}

/** A comma-separated list (`piano,strings,drums`) or an array of names. */
export function parseInstrumentList(value: string | readonly string[]): InstrumentSpec[] {
  const names = (typeof value === 'string' ? value.split(',') : value).map((n) => n.trim()).filter((n) => n !== '');
  if (names.length === 0) throw new InvalidInputError('{instruments} is empty: expected names such as piano,strings', { field: 'instruments' });
  if (names.length > MAX_TRACKS) {
    throw new InvalidInputError(`too many {instruments} (${names.length}): at most ${MAX_TRACKS} tracks`, { field: 'instruments' });
  }
  return names.map(resolveInstrument);
}

/** The first `count` instruments of a style's ensemble (cycled if more are asked for). */
export function styleInstruments(style: Style, count: number): InstrumentSpec[] {
  const names = STYLE_INSTRUMENTS[style];
  return Array.from({ length: count }, (_, i) => resolveInstrument(names[i % names.length] as string));
}
