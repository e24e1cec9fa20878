/**
 * /compose options → the compose use case's input (src/app/compose.ts), and the checks that can
 * run before the interaction is deferred (so a bad seed gets an ephemeral answer that points at
 * the mistake). The validation itself is the use case's; the bot only words the fields its way.
 */
import { checkComposeInput as checkInput } from '../../app/compose.js';
import { narrowerRange, schemaRange, type NumericComposeOption, type OptionRange } from '../../compose/option-ranges.js';
import { METER_NAMES } from '../../compose/options.js';

export { schemaRange };
import type { ComposeRequestInput } from '../../app/lineage.js';
import { formatBytes, resolveMidiLimits } from '../../midi/limits.js';
import { SeedSyntaxError, seedErrorPointer } from '../../music/seed.js';
import { InvalidInputError } from '../../util/errors.js';
import { quoteInput } from '../../util/text.js';
import { discordFieldName } from '../field-names.js';

/** The /compose options as Discord delivers them (option names are the issue's contract). */
export interface ComposeSlashValues {
  /** Seed notes in seed notation. */
  readonly seed?: string | null;
  readonly style?: string | null;
  readonly instruments?: string | null;
  readonly tracks?: number | null;
  readonly tempo?: number | null;
  readonly length?: number | null;
  readonly temperature?: number | null;
  readonly key?: string | null;
  /** The sampling seed (`sample_seed`): the same value and options make the same piece. */
  readonly sampleSeed?: number | null;
  /** Takes of the request (`takes`): 2 posts take A and take B, each rated on its own. */
  readonly takes?: number | null;
  /** Time signature, e.g. "3/4". */
  readonly meter?: string | null;
  /** Form, e.g. "AABA" (docs/form.md). */
  readonly form?: string | null;
  /** `score`: attach the sheet music to the result message (it is always behind the Score button). */
  readonly score?: boolean | null;
}

/** A narrower range than the schema's that /compose offers (checked when this module loads). */
const within = (key: NumericComposeOption, range: OptionRange): OptionRange => narrowerRange(key, range, '/compose');

const bars = schemaRange('bars');
const tracks = schemaRange('tracks');

/**
 * The limits /compose offers in Discord, in one place. What matches the compose schema is read
 * from it. The rest is deliberately narrower than the schema (which also serves the CLI) and is
 * the documented /compose contract (docs/bot.md): a request typed into a chat box on a shared bot
 * should stay quick to compose and post (schema: up to 16 tracks, 512 bars, 20–400 BPM, seed
 * notes up to 4000 characters), and temperatures of 0 (greedy) or above 2 rarely give music worth
 * posting (schema: 0–5). test/bot/commands.test.ts checks each range lies within the schema's.
 */
export const SLASH_COMPOSE_LIMITS = {
  seedLength: 500,
  instrumentsLength: 100,
  keyLength: 20,
  formLength: 20,
  tracks: within('tracks', { min: tracks.min, max: 5 }),
  tempo: within('tempo', { min: 30, max: 300 }),
  length: within('bars', { min: bars.min, max: 64 }),
  temperature: within('temperature', { min: 0.1, max: 2 }),
  sampleSeed: schemaRange('samplingSeed'),
  takes: schemaRange('takes'),
} as const satisfies Record<string, number | OptionRange>;

/** The meters /compose offers as choices (the schema takes every meter of the token language, METER_NAMES). */
export const SLASH_METERS = ['4/4', '3/4', '2/4', '6/8', '9/8', '12/8', '2/2', '3/8', '5/4', '7/8'] as const;
for (const meter of SLASH_METERS) if (!METER_NAMES.includes(meter)) throw new Error(`/compose offers meter ${meter}, which the compose schema does not take`);

/** A JSON-safe compose request: what is stored with a piece and replayed by its buttons. */
export type { ComposeRequestInput } from '../../app/lineage.js';

/** Slash values → the compose use case's input (without `midi`, `outDir` and `model`, added per job). */
export function composeInputFromSlash(values: ComposeSlashValues): ComposeRequestInput {
  const input: ComposeRequestInput = {};
  const seedNotes = values.seed?.trim();
  if (seedNotes) input.seed = seedNotes;
  if (values.style) input.style = values.style.trim().toLowerCase();
  if (values.instruments != null) {
    input.instruments = values.instruments
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
  }
  if (values.tracks != null) input.tracks = values.tracks;
  if (values.tempo != null) input.tempo = values.tempo;
  if (values.length != null) input.bars = values.length;
  if (values.temperature != null) input.temperature = values.temperature;
  const key = values.key?.trim();
  if (key) input.key = key;
  if (values.sampleSeed != null) input.samplingSeed = values.sampleSeed;
  if (values.takes != null) input.takes = values.takes;
  if (values.meter) input.meter = values.meter;
  const form = values.form?.trim();
  if (form) input.form = form;
  if (values.score === true) input.score = true;
  return input;
}

/** The ephemeral answer to seed notes with a syntax error: what was expected and a caret under it. */
export function seedMistakeMessage(seedNotes: string, error: SeedSyntaxError): string {
  const pointer = seedErrorPointer(seedNotes.replace(/`/g, "'"), error.position);
  return `Your \`seed\` has a mistake at character ${error.position + 1}: ${error.expected}\n\`\`\`\n${pointer}\n\`\`\`\nSee the seed notation: notes like \`C4q E4q G4h\`, chords \`[C4 E4 G4]w\`, rests \`rq\`, bars \`|\`.`;
}

/**
 * Everything that can be checked without the model: option ranges and combinations, the seed's
 * notation, and that the piece is longer than its seed (`check`: the compose use case's, or
 * /harmonize's). Throws InvalidInputError with a message
 * meant for a Discord user (options by their slash names, a seed mistake pointed at).
 */
export async function checkComposeInput(
  input: ComposeRequestInput,
  hasMidi: boolean,
  check: (input: unknown, options: { hasMidi?: boolean }) => Promise<void> = checkInput,
): Promise<void> {
  try {
    await check(input, { hasMidi });
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    const cause = error.cause;
    if (cause instanceof SeedSyntaxError && typeof input.seed === 'string') throw new InvalidInputError(seedMistakeMessage(input.seed, cause), { cause });
    throw new InvalidInputError(error.worded(discordFieldName), { ...(error.field ? { field: error.field } : {}), cause: error });
  }
}

export interface AttachmentInfo {
  readonly name: string;
  readonly size: number;
  readonly contentType?: string | null;
}

const MIDI_NAME = /\.(mid|midi|smf|kar)$/i;
const MIDI_TYPES = ['audio/midi', 'audio/x-midi', 'audio/mid', 'application/x-midi', 'audio/sp-midi'];

/** Checks an attached file by its name, type and size (before downloading it). */
export function checkMidiAttachment(file: AttachmentInfo, maxBytes: number = resolveMidiLimits().maxBytes): void {
  const type = file.contentType?.split(';')[0]?.trim().toLowerCase();
  if (!MIDI_NAME.test(file.name) && !(type && MIDI_TYPES.includes(type))) {
    throw new InvalidInputError(`\`midi\` must be a MIDI file (.mid or .midi); ${quoteInput(file.name)}${type ? ` is ${type}` : ''} is not one`);
  }
  if (file.size > maxBytes) {
    throw new InvalidInputError(`\`midi\` ${quoteInput(file.name)} is ${formatBytes(file.size)}; the limit is ${formatBytes(maxBytes)}`);
  }
}

/** Checks the downloaded bytes: a Standard MIDI File starts with "MThd". */
export function checkMidiBytes(name: string, bytes: Uint8Array, maxBytes: number = resolveMidiLimits().maxBytes): void {
  if (bytes.byteLength > maxBytes) {
    throw new InvalidInputError(`\`midi\` ${quoteInput(name)} is ${formatBytes(bytes.byteLength)}; the limit is ${formatBytes(maxBytes)}`);
  }
  const head = Buffer.from(bytes.subarray(0, 4)).toString('latin1');
  if (head !== 'MThd') throw new InvalidInputError(`\`midi\` ${quoteInput(name)} is not a MIDI file (it does not start with a MIDI header)`);
}
