import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DiscordSimulator, renderChordOgg } from '../sim/index.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./support/child-voice-client.mjs', import.meta.url));

/** Runs the client script in its own Node process with the given environment; returns its JSON lines. */
async function runClient(env: Record<string, string>): Promise<Array<Record<string, unknown>>> {
  const { stdout } = await run(process.execPath, [script], { env, timeout: 45_000 });
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * The route the real bot takes in tests: a separate process that trusts the simulator's voice
 * certificate through `sim.clientEnv()` (NODE_EXTRA_CA_CERTS). Without it, TLS verification
 * refuses the self-signed certificate — nothing switches verification off.
 */
describe('a discord.js client in a child process', () => {
  let sim: DiscordSimulator | undefined;
  let dir: string;
  let oggPath: string;
  let ogg: Buffer;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rhythmix-e2e-'));
    ogg = renderChordOgg(1);
    oggPath = path.join(dir, 'chord.ogg');
    writeFileSync(oggPath, ogg);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  const baseEnv = (): Record<string, string> => {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined && key !== 'NODE_EXTRA_CA_CERTS') env[key] = value;
    return env;
  };

  it('plays through the simulator when started with sim.clientEnv()', async () => {
    sim = await DiscordSimulator.start();
    const lines = await runClient({ ...baseEnv(), ...sim.clientEnv(), VOICE_CHANNEL_ID: sim.channel('Music').id, OGG_PATH: oggPath });
    expect(lines.map((line) => line.event)).toEqual(['ready', 'voice-ready', 'played']);
    const comparison = sim.voice.received().compareWithOgg(ogg);
    expect(comparison.identicalPackets).toBe(comparison.sourcePackets);
    expect(comparison.receivedPackets).toBe(comparison.sourcePackets);
  });

  it('cannot reach the voice gateway without trusting the certificate', async () => {
    sim = await DiscordSimulator.start();
    const { NODE_EXTRA_CA_CERTS: _trust, ...untrusted } = sim.clientEnv();
    const lines = await runClient({ ...baseEnv(), ...untrusted, VOICE_CHANNEL_ID: sim.channel('Music').id, OGG_PATH: oggPath });
    expect(lines[0]?.event).toBe('ready');
    expect(lines[1]).toMatchObject({ event: 'voice-error', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(sim.voice.connections).toHaveLength(0);
  });
});
