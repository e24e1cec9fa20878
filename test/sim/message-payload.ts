import { ApiError, invalidFormBody } from './api-error.js';
import { nextSnowflake } from './snowflake.js';
import { MessageFlags, type Json, type SimAttachment, type SimMessage } from './world.js';

/** A file part of a multipart request (`files[n]`). */
export interface UploadedFile {
  field: string;
  filename: string;
  contentType: string | undefined;
  data: Buffer;
}

export const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;

function asArray(value: unknown): Json[] {
  return Array.isArray(value) ? (value.filter((item) => item && typeof item === 'object') as Json[]) : [];
}

function fileIndex(field: string): string | undefined {
  return /^files\[(\d+)\]$/.exec(field)?.[1] ?? /^file(\d*)$/.exec(field)?.[1];
}

export function storeAttachment(
  attachments: Map<string, SimAttachment>,
  baseUrl: string,
  channelId: string,
  file: { filename: string; contentType: string | undefined; data: Buffer; description?: string | undefined },
): SimAttachment {
  if (file.data.length > MAX_UPLOAD_BYTES) throw new ApiError(413, 40005, 'Request entity too large');
  const id = nextSnowflake();
  const attachment: SimAttachment = {
    id,
    filename: file.filename,
    contentType: file.contentType,
    size: file.data.length,
    url: `${baseUrl}/cdn/attachments/${channelId}/${id}/${encodeURIComponent(file.filename)}`,
    description: file.description,
    data: file.data,
  };
  attachments.set(id, attachment);
  return attachment;
}

/**
 * Applies a create/edit payload (JSON or `payload_json` + files) to a message. Discord's edit rule:
 * when `attachments` is present it lists what stays (existing ids) and what is new (upload indexes).
 */
export function applyMessagePayload(
  message: SimMessage,
  payload: Json,
  files: UploadedFile[],
  store: (file: UploadedFile, description: string | undefined) => SimAttachment,
  mode: 'create' | 'edit',
): void {
  if ('content' in payload) message.content = typeof payload.content === 'string' ? payload.content : '';
  if ('embeds' in payload) message.embeds = asArray(payload.embeds);
  if ('embed' in payload && payload.embed) message.embeds = asArray([payload.embed]);
  if ('components' in payload) message.components = asArray(payload.components);
  if (typeof payload.flags === 'number') {
    const settable = MessageFlags.Ephemeral | MessageFlags.ComponentsV2 | (1 << 2) | (1 << 12);
    message.flags = (message.flags & ~settable) | (payload.flags & settable);
  }
  const described = new Map<string, Json>();
  for (const entry of asArray(payload.attachments)) described.set(String(entry.id), entry);
  const uploads = files.filter((file) => fileIndex(file.field) !== undefined);
  const uploaded = uploads.map((file) => {
    const entry = described.get(fileIndex(file.field)!);
    const filename = typeof entry?.filename === 'string' ? entry.filename : file.filename;
    const description = typeof entry?.description === 'string' ? entry.description : undefined;
    return store({ ...file, filename }, description);
  });
  if (mode === 'edit' && 'attachments' in payload) {
    message.attachments = message.attachments.filter((attachment) => described.has(attachment.id));
  }
  message.attachments = [...message.attachments, ...uploaded];
  validateMessage(message, uploads.length);
}

const EMBED_LIMITS: Array<[string, number]> = [
  ['title', 256],
  ['description', 4096],
];

export function validateMessage(message: SimMessage, uploadCount: number): void {
  if (message.content.length > 2000) throw invalidFormBody('content', 'BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.');
  if (message.embeds.length > 10) throw invalidFormBody('embeds', 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  if (uploadCount > 10) throw invalidFormBody('attachments', 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  let embedCharacters = 0;
  message.embeds.forEach((embed, index) => {
    for (const [field, limit] of EMBED_LIMITS) {
      const value = embed[field];
      if (typeof value === 'string') {
        embedCharacters += value.length;
        if (value.length > limit) throw invalidFormBody(`embeds.${index}.${field}`, 'BASE_TYPE_MAX_LENGTH', `Must be ${limit} or fewer in length.`);
      }
    }
    const fields = asArray(embed.fields);
    if (fields.length > 25) throw invalidFormBody(`embeds.${index}.fields`, 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    fields.forEach((field, fieldIndex) => {
      const name = typeof field.name === 'string' ? field.name : '';
      const value = typeof field.value === 'string' ? field.value : '';
      if (!name || !value) throw invalidFormBody(`embeds.${index}.fields.${fieldIndex}`, 'BASE_TYPE_REQUIRED', 'This field is required');
      if (name.length > 256 || value.length > 1024) throw invalidFormBody(`embeds.${index}.fields.${fieldIndex}`, 'BASE_TYPE_MAX_LENGTH', 'Field too long.');
      embedCharacters += name.length + value.length;
    });
  });
  if (embedCharacters > 6000) throw invalidFormBody('embeds', 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
  if (!(message.flags & MessageFlags.ComponentsV2)) validateComponents(message.components);
  const empty = !message.content && message.embeds.length === 0 && message.attachments.length === 0 && message.components.length === 0;
  if (empty && !(message.flags & MessageFlags.Loading)) throw new ApiError(400, 50006, 'Cannot send an empty message');
}

function validateComponents(rows: Json[]): void {
  if (rows.length > 5) throw invalidFormBody('components', 'BASE_TYPE_MAX_LENGTH', 'Must be 5 or fewer in length.');
  const seen = new Set<string>();
  rows.forEach((row, rowIndex) => {
    if (row.type !== 1) throw invalidFormBody(`components.${rowIndex}.type`, 'UNION_TYPE_CHOICES', 'Top-level components must be action rows (type 1).');
    const children = asArray(row.components);
    if (children.length === 0 || children.length > 5) {
      throw invalidFormBody(`components.${rowIndex}.components`, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 5 in length.');
    }
    children.forEach((child, childIndex) => {
      const where = `components.${rowIndex}.components.${childIndex}`;
      const customId = typeof child.custom_id === 'string' ? child.custom_id : undefined;
      if (child.type === 2) {
        const style = Number(child.style);
        if (!(style >= 1 && style <= 6)) throw invalidFormBody(`${where}.style`, 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2, 3, 4, 5, 6}.');
        if (style === 5 ? typeof child.url !== 'string' : style !== 6 && !customId) {
          throw invalidFormBody(where, 'BUTTON_COMPONENT_INVALID', style === 5 ? 'A link button needs a url' : 'A button needs a custom_id');
        }
        if (typeof child.label === 'string' && child.label.length > 80)
          throw invalidFormBody(`${where}.label`, 'BASE_TYPE_MAX_LENGTH', 'Must be 80 or fewer in length.');
      } else if (children.length > 1) {
        throw invalidFormBody(where, 'COMPONENT_LAYOUT_WIDTH_EXCEEDED', 'A select menu must be alone in its action row.');
      }
      if (customId !== undefined) {
        if (customId.length > 100) throw invalidFormBody(`${where}.custom_id`, 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
        if (seen.has(customId)) throw invalidFormBody(`${where}.custom_id`, 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated');
        seen.add(customId);
      }
    });
  });
}

/** Every component (buttons, selects) of a message, depth first, including components v2 containers. */
export function flattenComponents(components: Json[]): Json[] {
  const out: Json[] = [];
  for (const component of components) {
    out.push(component);
    out.push(...flattenComponents(asArray(component.components)));
    if (component.accessory && typeof component.accessory === 'object') out.push(component.accessory as Json);
  }
  return out;
}
