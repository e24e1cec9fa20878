import { Cron } from 'croner';

/** `RETRAIN_EVERY`: "off", a duration ("90m", "12h", "7d") or a cron expression croner accepts. */
export type RetrainSchedule =
  { readonly kind: 'off' } | { readonly kind: 'interval'; readonly ms: number } | { readonly kind: 'cron'; readonly expression: string };

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** The schedule, or null when the text is none of the accepted forms. */
export function parseRetrainSchedule(text: string): RetrainSchedule | null {
  const value = text.trim().toLowerCase();
  if (value === 'off' || value === 'never' || value === '0') return { kind: 'off' };
  const duration = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(value);
  if (duration) {
    const ms = Number(duration[1]) * (UNIT_MS[duration[2] as string] as number);
    return ms >= 60_000 ? { kind: 'interval', ms } : null;
  }
  // croner itself decides (the scheduler runs it): nicknames like @daily, day and month names,
  // an optional seconds field. Without a callback the Cron only parses and schedules nothing.
  const expression = text.trim().split(/\s+/).join(' ');
  try {
    new Cron(expression);
  } catch {
    return null;
  }
  return { kind: 'cron', expression };
}
