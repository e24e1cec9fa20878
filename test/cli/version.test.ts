/** `rhythmix --version` says what package.json says (no second copy of the number to forget). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram, programVersion } from '../../src/cli/main.js';
import { isCliBuilt, projectRoot, runCli } from './run-cli.js';

const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string };

describe('rhythmix --version', () => {
  it('is the version in package.json', () => {
    expect(programVersion()).toBe(version);
    expect(buildProgram().version()).toBe(version);
  });

  it.runIf(isCliBuilt())('the built CLI prints it', () => {
    const result = runCli(['--version'], 60_000);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });
});
