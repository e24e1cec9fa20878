/** Number formats shared by the report's Markdown writers. */
import type { Summary } from './mgeval.js';

/** A number with `digits` decimals; — for NaN and infinities. */
export const f = (value: number, digits = 3): string => (Number.isFinite(value) ? value.toFixed(digits) : '—');
/** Mean ± sd; — for an empty set. */
export const pm = (s: Summary | undefined, digits = 2): string => (s === undefined || s.count === 0 ? '—' : `${f(s.mean, digits)} ± ${f(s.sd, digits)}`);
export const mark = (ok: boolean): string => (ok ? '✅' : '❌');
