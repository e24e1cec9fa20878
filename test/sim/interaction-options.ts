import type { Json, SimAttachment, SimChannel, SimCommand, SimUserRecord } from './world.js';

/** A file a simulated user attaches to a slash command option. */
export interface SimFile {
  name: string;
  data: Buffer;
  contentType?: string;
}

export function simFile(name: string, data: Buffer | Uint8Array | string, contentType?: string): SimFile {
  return { name, data: Buffer.isBuffer(data) ? data : Buffer.from(data), ...(contentType ? { contentType } : {}) };
}

/** Option values a test passes: primitives, a file for attachment options, a user/channel by record. */
export type OptionValue = string | number | boolean | SimFile | SimUserRecord | SimChannel;

export const OptionType = {
  SubCommand: 1,
  SubCommandGroup: 2,
  String: 3,
  Integer: 4,
  Boolean: 5,
  User: 6,
  Channel: 7,
  Role: 8,
  Mentionable: 9,
  Number: 10,
  Attachment: 11,
} as const;

export interface ResolveHooks {
  upload(file: SimFile): SimAttachment;
  user(value: OptionValue): SimUserRecord;
  channel(value: OptionValue): SimChannel;
}

export interface BuiltOptions {
  options: Json[];
  attachments: SimAttachment[];
  users: SimUserRecord[];
  channels: SimChannel[];
}

function schemaOptions(schema: Json[] | undefined): Json[] {
  return Array.isArray(schema) ? schema : [];
}

function isFile(value: OptionValue): value is SimFile {
  return typeof value === 'object' && 'data' in value && 'name' in value;
}

/**
 * Turns `slash('model rate', { stars: 5 })` into the `data.options` tree Discord would send, checked
 * against the command the bot registered: unknown names, missing required options, wrong types and
 * values outside `choices` are test-authoring mistakes and throw.
 */
export function buildCommandOptions(command: SimCommand, path: string[], values: Record<string, OptionValue>, hooks: ResolveHooks): BuiltOptions {
  const built: BuiltOptions = { options: [], attachments: [], users: [], channels: [] };
  let level = schemaOptions(command.options);
  let container = built.options;
  for (const name of path) {
    const sub = level.find((option) => option.name === name && (option.type === OptionType.SubCommand || option.type === OptionType.SubCommandGroup));
    if (!sub) throw new Error(`/${command.name} has no subcommand "${name}" (registered: ${level.map((option) => option.name).join(', ') || 'none'})`);
    const node: Json = { name, type: sub.type, options: [] };
    container.push(node);
    container = node.options as Json[];
    level = schemaOptions(sub.options as Json[] | undefined);
  }
  if (level.some((option) => option.type === OptionType.SubCommand || option.type === OptionType.SubCommandGroup)) {
    throw new Error(`/${[command.name, ...path].join(' ')} needs a subcommand: ${level.map((option) => option.name).join(', ')}`);
  }
  for (const [name, value] of Object.entries(values)) {
    const schema = level.find((option) => option.name === name);
    if (!schema)
      throw new Error(`/${[command.name, ...path].join(' ')} has no option "${name}" (registered: ${level.map((o) => o.name).join(', ') || 'none'})`);
    container.push({ name, type: schema.type, value: convert(schema, value, hooks, built), ...(schema.autocomplete ? { focused: false } : {}) });
  }
  for (const schema of level) {
    if (schema.required && !(String(schema.name) in values)) throw new Error(`/${[command.name, ...path].join(' ')} requires option "${String(schema.name)}"`);
  }
  return built;
}

function convert(schema: Json, value: OptionValue, hooks: ResolveHooks, built: BuiltOptions): string | number | boolean {
  const name = String(schema.name);
  const wrongType = (expected: string): Error => new Error(`Option "${name}" expects ${expected}, got ${JSON.stringify(value)}`);
  let converted: string | number | boolean;
  switch (schema.type) {
    case OptionType.String:
      if (typeof value !== 'string') throw wrongType('a string');
      if (typeof schema.max_length === 'number' && value.length > schema.max_length) throw new Error(`Option "${name}" is longer than ${schema.max_length}`);
      if (typeof schema.min_length === 'number' && value.length < schema.min_length) throw new Error(`Option "${name}" is shorter than ${schema.min_length}`);
      converted = value;
      break;
    case OptionType.Integer:
    case OptionType.Number:
      if (typeof value !== 'number' || (schema.type === OptionType.Integer && !Number.isInteger(value)))
        throw wrongType(schema.type === OptionType.Integer ? 'an integer' : 'a number');
      if (typeof schema.min_value === 'number' && value < schema.min_value) throw new Error(`Option "${name}" is below ${schema.min_value}`);
      if (typeof schema.max_value === 'number' && value > schema.max_value) throw new Error(`Option "${name}" is above ${schema.max_value}`);
      converted = value;
      break;
    case OptionType.Boolean:
      if (typeof value !== 'boolean') throw wrongType('a boolean');
      converted = value;
      break;
    case OptionType.Attachment: {
      if (typeof value !== 'object' || !isFile(value)) throw wrongType('a file (simFile(name, data))');
      const attachment = hooks.upload(value);
      built.attachments.push(attachment);
      converted = attachment.id;
      break;
    }
    case OptionType.User:
    case OptionType.Mentionable: {
      const user = hooks.user(value);
      built.users.push(user);
      converted = user.id;
      break;
    }
    case OptionType.Channel: {
      const channel = hooks.channel(value);
      built.channels.push(channel);
      converted = channel.id;
      break;
    }
    default:
      if (typeof value === 'object') throw wrongType('a primitive value');
      converted = value;
  }
  const choices = Array.isArray(schema.choices) ? (schema.choices as Json[]) : [];
  if (choices.length > 0 && !choices.some((choice) => choice.value === converted)) {
    throw new Error(`Option "${name}" must be one of ${choices.map((choice) => JSON.stringify(choice.value)).join(', ')}, got ${JSON.stringify(converted)}`);
  }
  return converted;
}
