/**
 * How a piece looks on Discord: the embed (style, seed notes, key, tempo, length, model version,
 * who asked, sampling seed), its attachment names and the buttons under it. Pure: built from a
 * stored piece. A take of a two-take request says which take it is, in its title and on its buttons.
 */
import { ActionRowBuilder, ButtonBuilder, ButtonStyle, EmbedBuilder, type APIEmbed } from 'discord.js';
import type { RatingEmoji } from '../../config/rating-emojis.js';
import type { PieceKind, StoredPiece } from '../../db/pieces.js';

export const PIECE_ACTIONS = ['play', 'variation', 'continue', 'reroll', 'score'] as const;
export type PieceAction = (typeof PIECE_ACTIONS)[number];

const BUTTON_PREFIX = 'piece';

/** `piece:<action>:<id>` — the piece travels in the button, so old messages keep working. */
export function pieceButtonId(action: PieceAction, pieceId: number): string {
  return `${BUTTON_PREFIX}:${action}:${pieceId}`;
}

export function parsePieceButtonId(customId: string): { action: PieceAction; pieceId: number } | null {
  const match = /^piece:([a-z]+):(\d{1,12})$/.exec(customId);
  if (!match || !(PIECE_ACTIONS as readonly string[]).includes(match[1] as string)) return null;
  return { action: match[1] as PieceAction, pieceId: Number(match[2]) };
}

export function isPieceButton(customId: string): boolean {
  return customId.startsWith(`${BUTTON_PREFIX}:`);
}

/** The buttons under a piece; under a take, labelled with its letter ("Variation of A"): they act on that take alone. */
export function pieceButtons(pieceId: number, take?: string): ActionRowBuilder<ButtonBuilder> {
  const of = (label: string, joiner = ' ') => (take ? `${label}${joiner}${take}` : label);
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId(pieceButtonId('play', pieceId)).setLabel(of('Play')).setEmoji('▶️').setStyle(ButtonStyle.Primary),
    new ButtonBuilder().setCustomId(pieceButtonId('variation', pieceId)).setLabel(of('Variation', ' of ')).setStyle(ButtonStyle.Secondary),
    new ButtonBuilder().setCustomId(pieceButtonId('continue', pieceId)).setLabel(of('Continue')).setStyle(ButtonStyle.Secondary),
    new ButtonBuilder().setCustomId(pieceButtonId('reroll', pieceId)).setLabel(of('Re-roll')).setEmoji('🎲').setStyle(ButtonStyle.Secondary),
    new ButtonBuilder().setCustomId(pieceButtonId('score', pieceId)).setLabel(of('Score')).setEmoji('🎼').setStyle(ButtonStyle.Secondary),
  );
}

/** The take letter a piece was stored with (`parameters.take`), if it is one of two takes. */
export function takeOf(piece: Pick<StoredPiece, 'parameters'>): string | undefined {
  return text(piece.parameters.take);
}

/** File names of a piece's attachments (the embed shows the picture by its name; the score's are the Score button's). */
export function attachmentNames(pieceId: number): { midi: string; audio: string; image: string; score: string; musicxml: string } {
  const base = `rhythmix-${pieceId}`;
  return { midi: `${base}.mid`, audio: `${base}.ogg`, image: `${base}.png`, score: `${base}-score.png`, musicxml: `${base}.musicxml` };
}

const KIND_TITLES: Record<PieceKind, string> = {
  original: '',
  variation: 'variation of',
  continuation: 'continuation of',
  reroll: 're-roll of',
};

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function number(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Code span that cannot be broken by backticks in user text; long seeds are shortened. */
function code(value: string, max = 200): string {
  const clean = value.replace(/`/g, "'");
  return `\`${clean.length > max ? `${clean.slice(0, max - 1)}…` : clean}\``;
}

/**
 * The originality line (docs/originality.md): "longest shared phrase: 1.5 bars" with the training
 * data, "unknown" for a model without an index; nothing for pieces stored before the check.
 */
export function originalityText(piece: Pick<StoredPiece, 'parameters'>): string | undefined {
  if (!('longestCopiedBars' in piece.parameters)) return undefined;
  const bars = number(piece.parameters.longestCopiedBars);
  const details = piece.parameters.originality;
  const note = details !== null && typeof details === 'object' && !Array.isArray(details) ? text(details.note) : undefined;
  const line = bars === undefined ? 'longest shared phrase: unknown' : `longest shared phrase: ${bars} bar${bars === 1 ? '' : 's'}`;
  return note ? `${line}\n*${(note.length > 300 ? `${note.slice(0, 299)}…` : note).replace(/\*/g, '')}*` : line;
}

/** What the seed field shows: the seed notes' notation, the MIDI file's first bars, or none. */
export function seedDescription(piece: Pick<StoredPiece, 'seed' | 'parameters' | 'kind' | 'parentId'>): string {
  if (piece.seed) return code(piece.seed);
  const midiName = text(piece.parameters.midiName);
  const seedBars = number(piece.parameters.seedBars);
  if (piece.kind === 'continuation' && piece.parentId !== null) return `piece #${piece.parentId}${seedBars ? ` (${seedBars} bars)` : ''}`;
  // A Variation seeds with its parent's opening (older variations replayed the parent's own seed file).
  if (piece.kind === 'variation' && piece.parentId !== null && midiName === `piece-${piece.parentId}.mid`) {
    return `piece #${piece.parentId}${seedBars ? ` (first ${seedBars} bar${seedBars === 1 ? '' : 's'})` : ''}`;
  }
  if (midiName) return `${code(midiName, 80)}${seedBars ? ` (first ${seedBars} bar${seedBars === 1 ? '' : 's'})` : ''}`;
  return 'none — composed from scratch';
}

/** The meter and form the request asked for (/compose meter, form), as inline fields; none when not asked. */
function formFields(piece: Pick<StoredPiece, 'parameters'>): Array<{ name: string; value: string; inline: true }> {
  const request = piece.parameters.request;
  if (request === null || typeof request !== 'object' || Array.isArray(request)) return [];
  const meter = text(request.meter);
  const form = text(request.form);
  return [
    ...(meter ? [{ name: 'Meter', value: code(meter, 10), inline: true as const }] : []),
    ...(form ? [{ name: 'Form', value: code(form, 20), inline: true as const }] : []),
  ];
}

export interface PieceEmbedOptions {
  /** Set when the picture is attached to the same message. */
  readonly imageName?: string;
  readonly ratingEmojis?: readonly RatingEmoji[];
  /** For a take: the other take's letter and piece, named in the title. */
  readonly otherTake?: { readonly take: string; readonly pieceId: number };
}

export function pieceEmbed(piece: StoredPiece, options: PieceEmbedOptions = {}): APIEmbed {
  const seconds = number(piece.parameters.seconds);
  const relation = KIND_TITLES[piece.kind];
  const length = [piece.bars ? `${piece.bars} bar${piece.bars === 1 ? '' : 's'}` : undefined, seconds !== undefined ? `${seconds.toFixed(1)} s` : undefined]
    .filter(Boolean)
    .join(' · ');
  const take = takeOf(piece);
  const takeTitle = take ? ` — take ${take}${options.otherTake ? ` (take ${options.otherTake.take}: #${options.otherTake.pieceId})` : ''}` : '';
  const embed = new EmbedBuilder()
    .setTitle(`Piece #${piece.id}${relation && piece.parentId !== null ? ` — ${relation} #${piece.parentId}` : ''}${takeTitle}`)
    .setColor(0x5865f2)
    .addFields(
      { name: 'Style', value: piece.style, inline: true },
      { name: 'Key', value: piece.key ?? 'free', inline: true },
      { name: 'Tempo', value: piece.tempo ? `${Math.round(piece.tempo)} BPM` : '—', inline: true },
      { name: 'Length', value: length || '—', inline: true },
      { name: 'Model', value: piece.modelVersion ? code(piece.modelVersion, 60) : '—', inline: true },
      { name: 'Requested by', value: piece.authorId ? `<@${piece.authorId}>` : 'someone', inline: true },
      // /compose sample_seed with this value and the same options makes this piece again.
      { name: 'Sample seed', value: piece.samplingSeed !== null ? `\`${piece.samplingSeed}\`` : 'not recorded', inline: true },
      { name: 'Seed', value: seedDescription(piece) },
    )
    .setTimestamp(piece.createdAt);
  embed.addFields(...formFields(piece));
  const originality = originalityText(piece);
  if (originality) embed.addFields({ name: 'Originality', value: originality });
  if (options.imageName) embed.setImage(`attachment://${options.imageName}`);
  if (options.ratingEmojis?.length) embed.setFooter({ text: `Rate it: ${options.ratingEmojis.map((e) => e.emoji).join(' ')}` });
  return embed.toJSON();
}
