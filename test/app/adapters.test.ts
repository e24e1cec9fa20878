/**
 * The command line parses its flags through the use cases' schemas (src/cli/flags.ts): a bad
 * value fails before any work, worded with the flag; a good one arrives as the field's type.
 */
import { describe, expect, it } from 'vitest';
import { composeInputSchema } from '../../src/app/compose.js';
import { trainInputSchema } from '../../src/app/train.js';
import { buildProgram } from '../../src/cli/main.js';
import { COMPOSE_FLAGS } from '../../src/cli/commands/compose.js';
import { TRAIN_FLAGS } from '../../src/cli/commands/train.js';
import { fieldParser, flagNamer } from '../../src/cli/flags.js';
import { InvalidInputError, MissingDependencyError } from '../../src/util/errors.js';

describe('flags through the schemas', () => {
  it('reads numbers and lists as the field types them', () => {
    expect(fieldParser(composeInputSchema, 'temperature', COMPOSE_FLAGS)('0.8')).toBe(0.8);
    expect(fieldParser(composeInputSchema, 'instruments', COMPOSE_FLAGS)('piano, strings,,bass')).toEqual(['piano', 'strings', 'bass']);
    expect(fieldParser(trainInputSchema, 'layers', TRAIN_FLAGS)('256,128')).toEqual([256, 128]);
  });

  it('refuses a bad value with the flag, the rule and what was given', () => {
    expect(() => fieldParser(composeInputSchema, 'samplingSeed', COMPOSE_FLAGS)('2.5')).toThrow(
      '--sample-seed: must be a whole number from 0 to 2147483647 (got 2.5)',
    );
    expect(() => fieldParser(composeInputSchema, 'tempo', COMPOSE_FLAGS)('fast')).toThrow(
      '--tempo: Invalid input: expected number, received string (got "fast")',
    );
    expect(() => fieldParser(composeInputSchema, 'temperature', COMPOSE_FLAGS)('9')).toThrow('--temperature: Too big: expected number to be <=5 (got 9)');
    expect(() => fieldParser(trainInputSchema, 'layers', TRAIN_FLAGS)('256,abc')).toThrow(
      '--layers: must be comma-separated layer sizes like 256,256 (each 1 to 4096) (got "abc")',
    );
  });

  it('names a flag by the command, kebab-case unless renamed', () => {
    expect(flagNamer()('evalSamples')).toBe('--eval-samples');
    expect(flagNamer({ learningRate: '--lr' })('settings.learningRate')).toBe('--lr');
    expect(COMPOSE_FLAGS('outDir')).toBe('--out');
  });

  it('fails a commander parse before the action runs, as an InvalidInputError', async () => {
    const program = buildProgram();
    const parse = program.parseAsync(['node', 'rhythmix', 'compose', '--top-k', '-3']);
    await expect(parse).rejects.toThrow(InvalidInputError);
    await expect(buildProgram().parseAsync(['node', 'rhythmix', 'compose', '--top-k', '-3'])).rejects.toThrow(
      '--top-k: Too small: expected number to be >=0 (got -3)',
    );
  });

  it('words a command’s errors once with its own flags; other errors get the plain kebab-case', () => {
    const own = new InvalidInputError('{samplingSeed}: must be a whole number (got 2.5)', { field: 'samplingSeed' }).nameFields(COMPOSE_FLAGS);
    expect(own.message).toBe('--sample-seed: must be a whole number (got 2.5)');
    // cli/main.ts words whatever reaches it with the default namer: already worded stays as is.
    expect(own.worded(flagNamer())).toBe('--sample-seed: must be a whole number (got 2.5)');
    const missing = new MissingDependencyError('no soundfont found — pass {soundfont} / set SOUNDFONT');
    expect(missing.worded(flagNamer())).toBe('no soundfont found — pass --soundfont / set SOUNDFONT');
    expect(missing.exitCode).toBe(1);
  });
});
