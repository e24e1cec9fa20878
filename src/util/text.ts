/**
 * Bounded echoes of user input. An error message quotes what the user gave so they can find it,
 * but never all of it (a 6,000-character seed once came back whole); names read from files are
 * shown cut and without control characters (a track name can hold terminal escape codes).
 */

/** Most characters of user input an error message quotes. */
export const QUOTE_MAX_CHARS = 80;

/** The first `max` characters (code points, so no surrogate pair is split) and whether there were more. */
function head(text: string, max: number): { text: string; cut: boolean } {
  if (text.length <= max) return { text, cut: false };
  let out = '';
  let count = 0;
  for (const char of text) {
    if (count === max) return { text: out, cut: true };
    out += char;
    count += 1;
  }
  return { text: out, cut: false };
}

/**
 * User input for a message: in double quotes, escaped as in JSON (so control characters and
 * line breaks stay visible and on one line), at most `max` characters of it, with "…" and the
 * full length when cut.
 *
 *     quoteInput('lots')               // => '"lots"'
 *     quoteInput('C4q '.repeat(1500))  // => '"C4q C4q … C4q…" (6000 characters)'
 */
export function quoteInput(text: string, max: number = QUOTE_MAX_CHARS): string {
  const { text: shown, cut } = head(text, max);
  const quoted = JSON.stringify(shown);
  return cut ? `${quoted.slice(0, -1)}…" (${text.length} characters)` : quoted;
}

/** C0 and C1 control characters and DEL: never printed as they are. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * A name for display: control characters replaced by "�", at most `max` characters, "…" when
 * cut.
 *
 *     displayName('lead\u001b[31m', 64)  // => 'lead�[31m'
 *     displayName('x'.repeat(100), 8)     // => 'xxxxxxx…'
 */
export function displayName(text: string, max: number): string {
  const { text: shown, cut } = head(text, max);
  const printable = shown.replace(CONTROL, '\ufffd');
  return cut ? `${[...printable].slice(0, -1).join('')}…` : printable;
}
