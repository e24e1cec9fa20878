/** Each worst-case file (worst-case.ts), measured in a fresh process of its own (measure.ts). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtEntryPath } from '../util/built-entry.js';
import type { Measurement } from './measure.js';
import { WORST_CASES, worstCaseFile } from './worst-case.js';

export interface WorstCaseMeasurement extends Measurement {
  readonly name: string;
  readonly bytes: number;
}

export function measureWorstCases(names: readonly string[] = Object.keys(WORST_CASES)): WorstCaseMeasurement[] {
  const dir = mkdtempSync(join(tmpdir(), 'rhythmix-worst-'));
  try {
    return names.map((name) => {
      const bytes = worstCaseFile(name);
      const file = join(dir, `${name}.mid`);
      writeFileSync(file, bytes);
      const output = execFileSync(process.execPath, [builtEntryPath('fuzz/measure'), file], { encoding: 'utf8', timeout: 120_000 });
      return { name, bytes: bytes.length, ...(JSON.parse(output) as Measurement) };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
