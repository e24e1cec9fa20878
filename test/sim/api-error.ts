/** A Discord API error: HTTP status plus the JSON body `{ code, message, errors? }` discord.js turns into DiscordAPIError. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: Record<string, unknown>,
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    return { message: this.message, code: this.code, ...(this.errors ? { errors: this.errors } : {}) };
  }
}

export const unknown = {
  channel: () => new ApiError(404, 10003, 'Unknown Channel'),
  guild: () => new ApiError(404, 10004, 'Unknown Guild'),
  member: () => new ApiError(404, 10007, 'Unknown Member'),
  message: () => new ApiError(404, 10008, 'Unknown Message'),
  user: () => new ApiError(404, 10013, 'Unknown User'),
  emoji: () => new ApiError(400, 10014, 'Unknown Emoji'),
  webhook: () => new ApiError(404, 10015, 'Unknown Webhook'),
  command: () => new ApiError(404, 10063, 'Unknown application command'),
  interaction: () => new ApiError(404, 10062, 'Unknown interaction'),
};

/** 50035 with Discord's nested `errors` shape, e.g. `invalidFormBody('content', 'BASE_TYPE_MAX_LENGTH', '…')`. */
export function invalidFormBody(field: string, code: string, message: string): ApiError {
  const errors: Record<string, unknown> = {};
  let cursor = errors;
  const parts = field.split('.');
  parts.forEach((part, index) => {
    const next: Record<string, unknown> = index === parts.length - 1 ? { _errors: [{ code, message }] } : {};
    cursor[part] = next;
    cursor = next;
  });
  return new ApiError(400, 50035, 'Invalid Form Body', errors);
}
