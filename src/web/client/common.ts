/** What both pages share: the API's piece shape, JSON requests, small DOM helpers. */

export interface PieceView {
  readonly id: number;
  readonly kind: 'original' | 'variation' | 'continuation' | 'reroll';
  readonly parentId: number | null;
  readonly style: string;
  readonly key: string | null;
  readonly tempo: number | null;
  readonly bars: number | null;
  readonly seconds: number | null;
  readonly instruments: string[];
  readonly seed: string | null;
  readonly createdAt: string;
  readonly maker: string | null;
  readonly score: number;
  readonly voters: number;
  readonly audio: string | null;
  readonly image: string | null;
  readonly midi: string | null;
  readonly scoreImage: string | null;
  readonly musicxml: string | null;
  readonly meter: string | null;
  readonly form: string | null;
  readonly originality: { readonly longestCopiedBars: number | null } | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(typeof body.error === 'string' ? body.error : `the server answered ${status}`);
  }
}

export async function api<T>(url: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) throw new ApiError(response.status, body);
  return body as T;
}

export function byId<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from the page`);
  return found as T;
}

/** An element with text and attributes (text is always text: nothing from the server becomes HTML). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

const KIND_WORDS: Record<PieceView['kind'], string> = { original: 'original', variation: 'variation', continuation: 'continuation', reroll: 're-roll' };

export function kindWord(kind: PieceView['kind']): string {
  return KIND_WORDS[kind] ?? kind;
}

/** "classical · D minor · 3/4 · AABA · 120 BPM · 8 bars · 16 s · piano, violin" */
export function pieceDetails(piece: PieceView): string {
  return [
    piece.style,
    piece.key,
    piece.meter,
    piece.form,
    piece.tempo ? `${Math.round(piece.tempo)} BPM` : null,
    piece.bars ? `${piece.bars} bars` : null,
    piece.seconds ? `${Math.round(piece.seconds)} s` : null,
    piece.instruments.length ? piece.instruments.join(', ') : null,
  ]
    .filter((part): part is string => Boolean(part))
    .join(' · ');
}

export function pieceTitle(piece: PieceView): string {
  return `Piece #${piece.id}${piece.kind === 'original' ? '' : ` (${kindWord(piece.kind)} of #${piece.parentId ?? '?'})`}`;
}

/** The originality line (docs/originality.md), as the bot's embed words it; null for pieces stored before the check. */
export function originalityLine(piece: PieceView): string | null {
  if (!piece.originality) return null;
  const bars = piece.originality.longestCopiedBars;
  return bars === null ? 'longest shared phrase: unknown' : `longest shared phrase: ${bars} bar${bars === 1 ? '' : 's'}`;
}
