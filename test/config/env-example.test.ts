/** .env.example and the README's table list every variable src/config reads, with the real defaults. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_VARIABLES, loadCliConfig, midiLimitSettings, renderLimitSettings } from '../../src/config/index.js';
import { DEFAULT_MIDI_LIMITS, resolveMidiLimits } from '../../src/midi/limits.js';
import { DEFAULT_RENDER_LIMITS, resolveRenderLimits } from '../../src/render/limits.js';

const root = join(import.meta.dirname, '../..');
const example = parseEnv(readFileSync(join(root, '.env.example'), 'utf8'));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Configuration, database and job queue'), readme.indexOf('**Database.**'));
const tableNames = [...section.matchAll(/^\| (.+?) \|/gm)].flatMap((row) =>
  [...(row[1] as string).matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1] as string),
);

describe('.env.example', () => {
  it('lists exactly the variables src/config reads, as does the README', () => {
    expect(Object.keys(example).sort()).toEqual([...ENVIRONMENT_VARIABLES].sort());
    expect([...tableNames].sort()).toEqual([...ENVIRONMENT_VARIABLES].sort());
  });

  it('gives the defaults the program uses', () => {
    const fromExample = loadCliConfig({ env: example, envFile: false });
    const defaults = loadCliConfig({ env: {}, envFile: false });
    expect(fromExample).toEqual(defaults);
    expect(resolveMidiLimits({}, midiLimitSettings(example))).toEqual(DEFAULT_MIDI_LIMITS);
    expect(resolveRenderLimits({}, renderLimitSettings(example))).toEqual(DEFAULT_RENDER_LIMITS);
  });
});
