/**
 * The gallery page: without `?server=` the servers that opted in; with it that server's pieces
 * (filters kept in the address) and, for a piece, its lineage tree — every piece with what was
 * made from it — where picking one plays the chain from the first piece to it, in order.
 */
import { api, byId, el, kindWord, originalityLine, pieceDetails, pieceTitle, type PieceView } from './common.js';

interface ServersView {
  readonly servers: Array<{ id: string; name: string; pieces: number }>;
}

interface GalleryView {
  readonly server: { id: string; name: string };
  readonly styles: string[];
  readonly keys: string[];
  readonly pieces: PieceView[];
}

interface LineageNode {
  readonly piece: PieceView;
  readonly children: LineageNode[];
}

const params = new URLSearchParams(location.search);
const serverId = params.get('server');
const status = byId('gallery-status');
const filters = byId<HTMLFormElement>('filters');
const FILTERS = ['style', 'key', 'period', 'sort'] as const;

/** The chain being played: the pieces from the first to the chosen one. */
let chain: PieceView[] = [];
let chainIndex = 0;

async function showServers(): Promise<void> {
  const { servers } = await api<ServersView>('/api/galleries');
  const list = byId<HTMLUListElement>('servers');
  if (servers.length === 0) {
    status.textContent = 'No server has opened its gallery yet. A server admin can, with /gallery on in Discord.';
    return;
  }
  status.textContent = 'Servers that share their pieces:';
  for (const server of servers) {
    list.append(
      el(
        'li',
        {},
        el('a', { href: `/gallery?server=${encodeURIComponent(server.id)}` }, server.name),
        ` — ${server.pieces} piece${server.pieces === 1 ? '' : 's'}`,
      ),
    );
  }
  list.hidden = false;
}

function filterSelect(name: (typeof FILTERS)[number]): HTMLSelectElement {
  return byId<HTMLSelectElement>(`filter-${name}`);
}

function fillChoices(select: HTMLSelectElement, values: readonly string[]): void {
  const chosen = select.value || params.get(select.name) || '';
  while (select.options.length > 1) select.remove(1);
  for (const value of values) select.append(el('option', { value }, value));
  select.value = values.includes(chosen) ? chosen : '';
}

function pieceCard(piece: PieceView): HTMLLIElement {
  const heading = el('h3', { id: `piece-${piece.id}-title` }, pieceTitle(piece));
  const meta = el(
    'p',
    { class: 'meta' },
    [
      piece.maker ? `by ${piece.maker}` : null,
      `score ${piece.score} (${piece.voters} voter${piece.voters === 1 ? '' : 's'})`,
      new Date(piece.createdAt).toLocaleDateString(),
    ]
      .filter(Boolean)
      .join(' · '),
  );
  const card = el('li', { class: 'piece', 'aria-labelledby': heading.id }, heading, meta, el('p', { class: 'details' }, pieceDetails(piece)));
  if (piece.audio) card.append(el('audio', { controls: '', preload: 'none', src: piece.audio, 'aria-label': `Play piece #${piece.id}` }));
  if (piece.image) card.append(el('img', { src: piece.image, alt: `Piano roll of piece #${piece.id}`, loading: 'lazy' }));
  if (piece.scoreImage) card.append(el('img', { class: 'score', src: piece.scoreImage, alt: `Score of piece #${piece.id}, first page`, loading: 'lazy' }));
  const originality = originalityLine(piece);
  if (originality) card.append(el('p', { class: 'details' }, originality));
  const lineage = el('button', { type: 'button', 'data-lineage': String(piece.id) }, 'Lineage');
  lineage.addEventListener('click', () => void showLineage(piece.id));
  const actions = el('div', { class: 'actions' }, lineage);
  if (piece.musicxml) actions.prepend(el('a', { class: 'button secondary', href: piece.musicxml, download: `piece-${piece.id}.musicxml` }, 'MusicXML'));
  if (piece.midi) actions.prepend(el('a', { class: 'button secondary', href: piece.midi, download: `piece-${piece.id}.mid` }, 'MIDI'));
  card.append(actions);
  return card;
}

async function showGallery(): Promise<void> {
  const query = new URLSearchParams();
  for (const name of FILTERS) {
    const value = filterSelect(name).value || params.get(name) || '';
    if (value) query.set(name, value);
  }
  let view: GalleryView;
  try {
    view = await api<GalleryView>(`/api/galleries/${encodeURIComponent(serverId ?? '')}?${query.toString()}`);
  } catch {
    byId('gallery-title').textContent = 'Gallery';
    status.textContent = 'This server does not share a gallery.';
    filters.hidden = true;
    byId('pieces').replaceChildren();
    return;
  }
  byId('gallery-title').textContent = `${view.server.name} — gallery`;
  document.title = `${view.server.name} · Rhythmix gallery`;
  fillChoices(filterSelect('style'), view.styles);
  fillChoices(filterSelect('key'), view.keys);
  for (const name of ['period', 'sort'] as const) {
    const wanted = params.get(name);
    if (wanted && !filterSelect(name).dataset.touched) filterSelect(name).value = wanted;
  }
  filters.hidden = false;
  status.textContent = view.pieces.length === 0 ? 'No pieces match.' : `${view.pieces.length} piece${view.pieces.length === 1 ? '' : 's'}`;
  byId('pieces').replaceChildren(...view.pieces.map(pieceCard));
}

function pathTo(root: LineageNode, id: number): PieceView[] | undefined {
  if (root.piece.id === id) return [root.piece];
  for (const child of root.children) {
    const rest = pathTo(child, id);
    if (rest) return [root.piece, ...rest];
  }
  return undefined;
}

function renderTree(root: LineageNode, chosen: number): void {
  const onPath = new Set((pathTo(root, chosen) ?? []).map((p) => p.id));
  const draw = (node: LineageNode): HTMLLIElement => {
    const piece = node.piece;
    const button = el(
      'button',
      { type: 'button', 'aria-pressed': String(piece.id === chosen), 'data-piece': String(piece.id), class: onPath.has(piece.id) ? 'on-path' : '' },
      `#${piece.id} `,
      el('span', { class: 'kind' }, `${kindWord(piece.kind)}${piece.maker ? ` by ${piece.maker}` : ''}`),
    );
    button.addEventListener('click', () => {
      renderTree(root, piece.id);
      document.querySelector<HTMLButtonElement>(`#lineage-tree button[data-piece="${piece.id}"]`)?.focus();
    });
    const item = el('li', {}, button);
    if (node.children.length) item.append(el('ul', { role: 'group' }, ...node.children.map(draw)));
    return item;
  };
  byId('lineage-tree').replaceChildren(el('ul', { class: 'tree', 'aria-label': 'Lineage tree' }, draw(root)));
  chain = pathTo(root, chosen) ?? [];
  byId('chain-text').textContent = `The chain to #${chosen}: ${chain.map((p) => `#${p.id}`).join(' → ')}`;
}

async function showLineage(pieceId: number): Promise<void> {
  const { tree } = await api<{ tree: LineageNode }>(`/api/pieces/${pieceId}/lineage`);
  byId('lineage').hidden = false;
  document.querySelector('.gallery-layout')?.classList.add('with-lineage');
  renderTree(tree, pieceId);
  byId('lineage-title').textContent = `Lineage of piece #${pieceId}`;
  byId('lineage-title').focus();
}

function playChainFrom(index: number): void {
  const player = byId<HTMLAudioElement>('chain-player');
  const piece = chain[index];
  if (!piece?.audio) return;
  chainIndex = index;
  player.src = piece.audio;
  byId('chain-text').textContent = `Playing #${piece.id} (${index + 1} of ${chain.length}): ${chain.map((p) => `#${p.id}`).join(' → ')}`;
  void player.play().catch(() => undefined);
}

function start(): void {
  const player = byId<HTMLAudioElement>('chain-player');
  player.addEventListener('ended', () => {
    if (chainIndex + 1 < chain.length) playChainFrom(chainIndex + 1);
    else byId('chain-text').textContent = `Played the chain: ${chain.map((p) => `#${p.id}`).join(' → ')}`;
  });
  byId('chain-play').addEventListener('click', () => playChainFrom(0));
  byId('lineage-close').addEventListener('click', () => {
    byId('lineage').hidden = true;
    document.querySelector('.gallery-layout')?.classList.remove('with-lineage');
    byId('main').focus();
  });
  filters.addEventListener('change', (event) => {
    const target = event.target as HTMLSelectElement;
    target.dataset.touched = 'true';
    const next = new URLSearchParams({ server: serverId ?? '' });
    for (const name of FILTERS) if (filterSelect(name).value) next.set(name, filterSelect(name).value);
    history.replaceState(null, '', `/gallery?${next.toString()}`);
    params.delete('style');
    params.delete('key');
    void showGallery();
  });
  const loaded = serverId ? showGallery() : showServers();
  loaded
    .then(async () => {
      const piece = Number(params.get('piece'));
      if (serverId && Number.isInteger(piece) && piece > 0) await showLineage(piece).catch(() => undefined);
    })
    .catch((error: unknown) => (status.textContent = `The gallery could not load: ${error instanceof Error ? error.message : String(error)}`))
    .finally(() => (document.body.dataset.ready = 'true'));
}

start();
