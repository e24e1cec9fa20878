/**
 * Structured logging (pino, JSON lines on stderr so `--json` output on stdout stays clean).
 * The Discord token must never reach a log: known fields are redacted by path, and as a second
 * line of defence every finished line is scrubbed of registered secret values — that catches a
 * token inside an error message, a stack trace or an unexpected field.
 */
import { pino, type DestinationStream, type Level, type Logger } from 'pino';

export type { Logger } from 'pino';

export const REDACTED = '[redacted]';

/** Fields whose value is a secret wherever they appear (top level or one object down). */
export const REDACT_PATHS = [
  'token',
  '*.token',
  'DISCORD_TOKEN',
  '*.DISCORD_TOKEN',
  'discordToken',
  '*.discordToken',
  'authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers.Authorization',
  '*.headers.Authorization',
];

const secrets = new Set<string>();

/**
 * Registers a secret value (the bot token) to be scrubbed from every log line, also when only
 * its signature part shows up. Values shorter than 8 characters are ignored (they would match
 * ordinary text).
 */
export function addLogSecret(value: string | undefined): void {
  if (!value || value.length < 8) return;
  secrets.add(value);
  // A Discord token is id.timestamp.signature; the signature alone is the secret part.
  const signature = value.split('.')[2];
  if (signature && signature.length >= 8) secrets.add(signature);
}

/**
 * An interaction's webhook token where it shows in a REST URL (a DiscordAPIError's `url`):
 * `/webhooks/<application>/<token>` and `/interactions/<id>/<token>`. These tokens are one per
 * interaction, so they are matched by place rather than registered.
 */
const INTERACTION_TOKEN_IN_URL = /(\/(?:webhooks|interactions)\/\d+\/)[^/\s"?\\]+/g;

/** Replaces every registered secret (raw and JSON-escaped) and every interaction token in a URL with [redacted]. */
export function scrubSecrets(text: string): string {
  let out = text.replace(INTERACTION_TOKEN_IN_URL, `$1${REDACTED}`);
  // Longest first, so a full token is replaced before its signature part.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1)])) {
      if (out.includes(form)) out = out.split(form).join(REDACTED);
    }
  }
  return out;
}

/** Wraps a destination so that nothing is written before it has been scrubbed. */
export function scrubbingDestination(destination: DestinationStream): DestinationStream {
  return { write: (line: string) => destination.write(scrubSecrets(line)) };
}

export interface LoggerOptions {
  level?: Level | 'silent';
  name?: string;
  /** Default: stderr, written synchronously so a crashing process keeps its last lines. */
  destination?: DestinationStream;
  /** Also registered with addLogSecret. */
  secrets?: readonly (string | undefined)[];
}

export function createLogger(options: LoggerOptions = {}): Logger {
  for (const secret of options.secrets ?? []) addLogSecret(secret);
  const destination = options.destination ?? pino.destination({ dest: 2, sync: true });
  return pino(
    {
      // LOG_LEVEL is validated in src/config and passed in (the bot gives config.logLevel).
      level: options.level ?? 'info',
      ...(options.name ? { name: options.name } : {}),
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    scrubbingDestination(destination),
  );
}
