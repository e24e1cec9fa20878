/**
 * Musical form: a piece as sections of equal length named by letters (AABA, ABAB, AABB, ABA…),
 * where a letter that comes back restates its first statement (docs/form.md). Pure: the names,
 * their parsing and the bar plan; the forcing during sampling is in form-forcing.ts.
 *
 *     parseForm('aaba')                 // => { name: 'AABA', letters: 'AABA' }
 *     parseForm('verse-chorus')         // => { name: 'verse-chorus', letters: 'ABAB' }
 *     formPlan(parseForm('AABA'), 17)   // => sections of 4 bars at bars 0, 4, 8, 12 (16 bars)
 */
import { InvalidInputError } from '../util/errors.js';

/** Forms known by name, as letters. */
export const NAMED_FORMS: Readonly<Record<string, string>> = {
  'verse-chorus': 'ABAB',
  ternary: 'ABA',
  rondo: 'ABACA',
};

/** Most sections a form may have (letters), and the letters they may use. */
export const MAX_FORM_SECTIONS = 8;
const LETTERS = 'ABCDEFGH';

export interface Form {
  /** As asked for: the letters in capitals, or the form's name. */
  readonly name: string;
  /** One letter per section, e.g. "AABA". */
  readonly letters: string;
}

/** What a form may be, for error messages. */
export const FORM_HELP = `letters such as AABA, ABAB, AABB or ABA (2–${MAX_FORM_SECTIONS} sections, A first, each new letter the next one) or one of ${Object.keys(NAMED_FORMS).join(', ')}`;

/** The form written as `text`, or a reason it is none. */
function readForm(text: string): Form | string {
  const trimmed = text.trim();
  const named = NAMED_FORMS[trimmed.toLowerCase()];
  if (named !== undefined) return { name: trimmed.toLowerCase(), letters: named };
  const letters = trimmed.toUpperCase();
  if (!/^[A-H]+$/.test(letters)) return `must be ${FORM_HELP}`;
  if (letters.length < 2 || letters.length > MAX_FORM_SECTIONS) return `must have 2 to ${MAX_FORM_SECTIONS} sections`;
  // Letters come in order of first appearance (A, then B, …), so every form has one spelling.
  let introduced = 0;
  for (const letter of letters) {
    const index = LETTERS.indexOf(letter);
    if (index === -1 || index > introduced) return `must introduce its letters in order (A first, then B, C, …)`;
    if (index === introduced) introduced++;
  }
  return { name: letters, letters };
}

/** True when `text` names a form. */
export function isForm(text: string): boolean {
  return typeof readForm(text) !== 'string';
}

/** The form `text` names; InvalidInputError (field `form`) otherwise. */
export function parseForm(text: string): Form {
  const form = readForm(text);
  if (typeof form === 'string') throw new InvalidInputError(`{form}: ${form} (got "${text.trim()}")`, { field: 'form', received: text });
  return form;
}

/** One section of a planned piece, in bars from the start. */
export interface FormSection {
  readonly letter: string;
  readonly startBar: number;
  readonly bars: number;
  /** Index of the section this one restates (the letter's first statement); undefined for a first statement. */
  readonly restates?: number;
}

export interface FormPlan {
  readonly form: Form;
  readonly sectionBars: number;
  /** The piece's length: sections × sectionBars. */
  readonly bars: number;
  readonly sections: readonly FormSection[];
}

/**
 * Splits `bars` into the form's sections of equal length: each section gets ⌊bars / sections⌋
 * bars (at least one), so the piece is the requested length rounded down to a multiple of the
 * number of sections (16 bars of ABA: 3 × 5 = 15).
 */
export function formPlan(form: Form, bars: number): FormPlan {
  const count = form.letters.length;
  const sectionBars = Math.max(1, Math.floor(bars / count));
  const firstOf = new Map<string, number>();
  const sections = [...form.letters].map((letter, i): FormSection => {
    const first = firstOf.get(letter);
    if (first === undefined) firstOf.set(letter, i);
    return { letter, startBar: i * sectionBars, bars: sectionBars, ...(first === undefined ? {} : { restates: first }) };
  });
  return { form, sectionBars, bars: sectionBars * count, sections };
}
