import { describe, expect, it } from 'vitest';
import { loadBotConfig } from '../../src/config/index.js';
import { addLogSecret, createLogger, REDACTED, scrubSecrets } from '../../src/util/logger.js';

const TOKEN = 'MTE5OTk5OTk5OTk5OTk5OTk5.GaBcDe.Zm9vYmFyYmF6cXV4LXNlY3JldC1zaWduYXR1cmU';
const SIGNATURE = TOKEN.split('.')[2]!;

function capture() {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(line) } };
}

describe('logger', () => {
  it('never writes the token: redacted fields, error messages, stacks and nested objects', () => {
    const { lines, destination } = capture();
    const log = createLogger({ destination, level: 'trace', secrets: [TOKEN] });
    log.info({ token: TOKEN }, 'login');
    log.info({ DISCORD_TOKEN: TOKEN, client: { token: TOKEN } }, 'config');
    log.info({ request: { headers: { authorization: `Bot ${TOKEN}` } } }, 'rest');
    log.error({ err: new Error(`401 Unauthorized for token ${TOKEN}`) }, 'login failed');
    log.warn(`retrying with ${TOKEN}`);
    log.debug({ detail: { deeper: { note: `signature ${SIGNATURE} leaked` } } }, 'deep');
    log.child({ module: 'bot' }).error(new Error(`child ${TOKEN}`));
    const output = lines.join('');
    expect(lines).toHaveLength(7);
    expect(output).not.toContain(TOKEN);
    expect(output).not.toContain(SIGNATURE);
    expect(output.split(REDACTED).length - 1).toBeGreaterThanOrEqual(8);
    // Still useful: the messages and the rest of the error survive.
    const failed = JSON.parse(lines[3]!) as { msg: string; err: { message: string; stack: string } };
    expect(failed.msg).toBe('login failed');
    expect(failed.err.message).toBe(`401 Unauthorized for token ${REDACTED}`);
    expect(failed.err.stack).toContain('401 Unauthorized');
  });

  it('a token loaded as bot configuration is scrubbed from then on', () => {
    const other = 'OTk5OTk5OTk5OTk5OTk5OTk5.XyZaBc.YW5vdGhlci10b2tlbi10aGF0LWlzLXNlY3JldA';
    expect(scrubSecrets(`x ${other} y`)).toBe(`x ${other} y`);
    loadBotConfig({ env: { DISCORD_TOKEN: other, DISCORD_APP_ID: '1' }, envFile: false });
    expect(scrubSecrets(`x ${other} y`)).toBe(`x ${REDACTED} y`);
    const { lines, destination } = capture();
    createLogger({ destination }).info({ cause: `Error: bad ${other}` }, 'failed');
    expect(lines.join('')).not.toContain(other);
  });

  it("an interaction's webhook token in a REST error's URL is scrubbed", () => {
    const { lines, destination } = capture();
    const error = Object.assign(new Error('Invalid Webhook Token'), {
      url: 'https://discord.com/api/v10/webhooks/123456789012345678/aW50ZXJhY3Rpb246MTIzOnNlY3JldA-_x/messages/@original',
    });
    createLogger({ destination }).warn({ err: error }, 'could not report the failure');
    expect(lines.join('')).not.toContain('aW50ZXJhY3Rpb246MTIzOnNlY3JldA');
    expect(lines.join('')).toContain(`/webhooks/123456789012345678/${REDACTED}/messages/@original`);
    expect(scrubSecrets('POST /interactions/42/tok.en-1/callback')).toBe(`POST /interactions/42/${REDACTED}/callback`);
  });

  it('ignores values too short to be secrets', () => {
    addLogSecret('abc');
    expect(scrubSecrets('abc def')).toBe('abc def');
  });
});
