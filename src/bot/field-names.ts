/**
 * Use-case fields as a Discord user knows them: the slash options' names. The use cases' errors
 * name fields (`{samplingSeed}`, src/util/errors.ts); the bot words them here, the command line
 * with its flags (src/cli/flags.ts).
 */
import type { FieldNamer } from '../util/errors.js';

/** Fields whose slash option has another name (the rest are the field in snake_case). */
const SLASH_OPTIONS: Readonly<Record<string, string>> = {
  // /compose asks for one `length` in bars: bars, seconds and the seed's bars all answer to it.
  bars: 'length',
  seconds: 'length',
  seedBars: 'length',
  samplingSeed: 'sample_seed',
  baseModel: 'model',
  guildId: 'guild',
};

/** The slash option's name of a use-case field, e.g. `samplingSeed` → `sample_seed`. */
export function slashOptionName(field: string): string {
  const last = field.slice(field.lastIndexOf('.') + 1);
  return SLASH_OPTIONS[last] ?? last.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** How a message shows a field to a Discord user: the option's name in code style. */
export const discordFieldName: FieldNamer = (field) => `\`${slashOptionName(field)}\``;
