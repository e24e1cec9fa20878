/** The command modules and the one array that feeds deploy-commands and the router. */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/bot/commands/index.js';
import { SLASH_COMPOSE_LIMITS, schemaRange } from '../../src/bot/compose/request.js';
import type { SlashCommand } from '../../src/bot/context.js';

describe('COMMANDS', () => {
  it('has one module per name, each with data and an execute function', () => {
    const names = COMMANDS.map((command) => command.data.name);
    expect(new Set(names).size).toBe(names.length);
    for (const command of COMMANDS) {
      expect(command.data.toJSON().name).toBe(command.data.name);
      expect(typeof command.execute).toBe('function');
    }
  });

  it('lists every command module in src/bot/commands (adding one is its file plus its array entry)', async () => {
    const folder = new URL('../../src/bot/commands/', import.meta.url);
    const modules = await Promise.all(
      readdirSync(folder)
        .filter((file) => file.endsWith('.ts') && file !== 'index.ts')
        .map(async (file) => ({ file, module: (await import(new URL(file, folder).href)) as Partial<SlashCommand> })),
    );
    const commands = modules.filter(({ module }) => module.data !== undefined && typeof module.execute === 'function');
    // A command's module is named after it, so the file tree reads as the command list.
    expect(commands.map(({ file }) => file.replace(/\.ts$/, '')).sort()).toEqual(COMMANDS.map((c) => c.data.name).sort());
    for (const { module } of commands) expect(COMMANDS.map((c) => c.execute)).toContain(module.execute);
  });
});

describe('/compose limits', () => {
  const ranges = ['tracks', 'tempo', 'length', 'temperature', 'sampleSeed'] as const;
  const schemaKey = { tracks: 'tracks', tempo: 'tempo', length: 'bars', temperature: 'temperature', sampleSeed: 'samplingSeed' } as const;

  it('offers only values the compose schema accepts', () => {
    for (const name of ranges) {
      const offered = SLASH_COMPOSE_LIMITS[name];
      const schema = schemaRange(schemaKey[name]);
      expect(offered.min, name).toBeGreaterThanOrEqual(schema.min);
      expect(offered.max, name).toBeLessThanOrEqual(schema.max);
    }
  });

  it('takes the sampling seed range from the schema as it is', () => {
    expect(SLASH_COMPOSE_LIMITS.sampleSeed).toEqual(schemaRange('samplingSeed'));
  });

  it('registers exactly these limits', () => {
    const compose = COMMANDS.find((c) => c.data.name === 'compose')!.data.toJSON();
    const option = (name: string) => compose.options?.find((o) => o.name === name);
    for (const [name, limit] of [
      ['tracks', SLASH_COMPOSE_LIMITS.tracks],
      ['tempo', SLASH_COMPOSE_LIMITS.tempo],
      ['length', SLASH_COMPOSE_LIMITS.length],
      ['temperature', SLASH_COMPOSE_LIMITS.temperature],
      ['sample_seed', SLASH_COMPOSE_LIMITS.sampleSeed],
    ] as const) {
      expect(option(name), name).toMatchObject({ min_value: limit.min, max_value: limit.max });
    }
    expect(option('seed')).toMatchObject({ max_length: SLASH_COMPOSE_LIMITS.seedLength });
  });
});
