import type { z } from 'zod';
import { RhythmixError } from '../util/errors.js';

/** The configuration cannot be used; `problems` has one line per variable to fix. */
export class ConfigError extends RhythmixError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    const list = problems.length === 1 ? ` ${problems[0]}` : `\n  ${problems.join('\n  ')}`;
    super(`configuration problem${problems.length === 1 ? '' : 's'}:${list}`, { exitCode: 2 });
    this.problems = problems;
  }
}

/** One line per issue: custom messages name the variable; a zod default message (should not happen) gets its path. */
export function problemLines(error: z.ZodError): string[] {
  return error.issues.map((issue) => (issue.code === 'custom' ? issue.message : `${issue.path.join('.')}: ${issue.message}`));
}
