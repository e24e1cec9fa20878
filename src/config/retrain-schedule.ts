/** `RETRAIN_EVERY`: "off", a duration ("90m", "12h", "7d") or a five-field cron expression. */
export type RetrainSchedule =
  | { readonly kind: 'off' }
  | { readonly kind: 'interval'; readonly ms: number }
  | { readonly kind: 'cron'; readonly expression: string };

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const CRON_FIELD = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;

/** The schedule, or null when the text is none of the accepted forms. */
export function parseRetrainSchedule(text: string): RetrainSchedule | null {
  const value = text.trim().toLowerCase();
  if (value === 'off' || value === 'never' || value === '0') return { kind: 'off' };
  const duration = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(value);
  if (duration) {
    const ms = Number(duration[1]) * (UNIT_MS[duration[2] as string] as number);
    return ms >= 60_000 ? { kind: 'interval', ms } : null;
  }
  const fields = value.split(/\s+/);
  if (fields.length === 5 && fields.every((field) => CRON_FIELD.test(field))) return { kind: 'cron', expression: fields.join(' ') };
  return null;
}
