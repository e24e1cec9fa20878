/**
 * What a user reads when something fails. Errors meant for users (RhythmixError and friends)
 * show their message; anything else shows a generic line — never a stack trace or a path on
 * the server — and is logged in full by the router.
 */
import { DiscordAPIError, RESTJSONErrorCodes } from 'discord.js';
import { JobCancelledError, QueueFullError, WorkerTimeoutError } from '../jobs/errors.js';
import { RhythmixError, wordedMessage } from '../util/errors.js';
import { discordFieldName } from './field-names.js';
import { missingPermissionMessage } from './permissions.js';

/** An answer for the user that is not a fault of the bot (no error-level log needed). */
export class UserFacingError extends RhythmixError {}

/** Absolute paths in messages → their last part (the server's folders are nobody's business). */
function hidePaths(message: string): string {
  return message.replace(/(?:[A-Za-z]:)?(?:[\\/][\w.@+-]+){2,}/g, (path) => path.split(/[\\/]/).pop() ?? path);
}

export function isExpectedError(error: unknown): boolean {
  return error instanceof RhythmixError && !(error instanceof WorkerTimeoutError) && error.exitCode === 2;
}

export function userMessage(error: unknown): string {
  if (error instanceof QueueFullError) return `🚦 Queue full: ${error.message}.`;
  if (error instanceof WorkerTimeoutError) return '⏱️ That took too long and was stopped — try a shorter piece (`length`).';
  if (error instanceof JobCancelledError) return '⏹️ The job was cancelled.';
  if (error instanceof DiscordAPIError) {
    if (error.code === RESTJSONErrorCodes.MissingPermissions) return missingPermissionMessage(['a permission Discord did not name']);
    if (error.code === RESTJSONErrorCodes.MissingAccess) return missingPermissionMessage(['View Channel']);
    return '⚠️ Discord refused my answer — please try again.';
  }
  if (error instanceof RhythmixError && error.exitCode === 2) return `❌ ${hidePaths(wordedMessage(error, discordFieldName))}`;
  if (error instanceof RhythmixError) return `⚠️ ${hidePaths(wordedMessage(error, discordFieldName))}`;
  return '⚠️ Something went wrong on my side — it has been logged. Please try again.';
}
