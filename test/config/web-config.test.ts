/** WEB_PORT, WEB_HOST and WEB_TRUST_PROXY: validated in src/config like every setting. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadCliConfig } from '../../src/config/index.js';

const load = (env: Record<string, string>) => loadCliConfig({ env, envFile: false });

describe('web settings', () => {
  it('default to no port (the bot serves no pages), 127.0.0.1 and no proxy', () => {
    expect(load({}).web).toEqual({ port: undefined, host: '127.0.0.1', trustProxy: false });
  });

  it('take a port, an address and a proxy flag', () => {
    expect(load({ WEB_PORT: '8080', WEB_HOST: '0.0.0.0', WEB_TRUST_PROXY: 'true' }).web).toEqual({ port: 8080, host: '0.0.0.0', trustProxy: true });
    expect(load({ WEB_HOST: '::1' }).web.host).toBe('::1');
  });

  it('refuse what they cannot use, naming the variable', () => {
    expect(() => load({ WEB_PORT: '70000' })).toThrow(ConfigError);
    expect(() => load({ WEB_PORT: 'eighty' })).toThrow(/WEB_PORT must be a port number/);
    expect(() => load({ WEB_HOST: 'local host' })).toThrow(/WEB_HOST/);
    expect(() => load({ WEB_TRUST_PROXY: 'maybe' })).toThrow(/WEB_TRUST_PROXY/);
  });
});
