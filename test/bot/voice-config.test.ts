import { describe, expect, it } from 'vitest';
import { ConfigError, loadBotConfig } from '../../src/config/index.js';

const base = { DISCORD_TOKEN: 'MTIz.abc.defghijklmnop', DISCORD_APP_ID: '123456789012345678' };

describe('voice settings in the bot configuration', () => {
  it('defaults to leaving after 120 s of silence and 15 s without listeners', () => {
    expect(loadBotConfig({ env: base, envFile: false }).voice).toEqual({ idleTimeoutMs: 120_000, aloneTimeoutMs: 15_000 });
  });

  it('reads VOICE_IDLE_SECONDS and VOICE_ALONE_SECONDS', () => {
    const config = loadBotConfig({ env: { ...base, VOICE_IDLE_SECONDS: '300', VOICE_ALONE_SECONDS: '0' }, envFile: false });
    expect(config.voice).toEqual({ idleTimeoutMs: 300_000, aloneTimeoutMs: 0 });
  });

  it('names the variable and the range when a value is wrong', () => {
    expect(() => loadBotConfig({ env: { ...base, VOICE_IDLE_SECONDS: '0', VOICE_ALONE_SECONDS: 'soon' }, envFile: false })).toThrow(ConfigError);
    try {
      loadBotConfig({ env: { ...base, VOICE_IDLE_SECONDS: '0', VOICE_ALONE_SECONDS: 'soon' }, envFile: false });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        'VOICE_IDLE_SECONDS must be a whole number from 1 to 86400 (seconds with nothing playing before the bot leaves voice), got "0"',
        'VOICE_ALONE_SECONDS must be a whole number from 0 to 3600 (seconds the bot stays in a voice channel with no listener), got "soon"',
      ]);
    }
  });
});
