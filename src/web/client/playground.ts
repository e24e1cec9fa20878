/**
 * The playground page: the form (seed notes checked as you type with the same parser as the
 * server, src/music/seed.ts), the job's progress, then the piece with its player, piano roll,
 * MIDI and the Variation / Continue / Re-roll buttons.
 */
import { readSeed, SeedSyntaxError, seedErrorPointer } from '../../music/seed.js';
import { api, ApiError, byId, el, originalityLine, pieceDetails, pieceTitle, type PieceView } from './common.js';

interface Options {
  readonly styles: string[];
  readonly instruments: string[];
  readonly limits: {
    readonly tempo: { min: number; max: number };
    readonly length: { min: number; max: number };
    readonly temperature: { min: number; max: number };
    readonly seedLength: number;
    readonly formLength: number;
  };
  readonly meters: string[];
  readonly forms: string[];
  readonly formHelp: string;
}

interface JobView {
  readonly id: string;
  readonly state: 'queued' | 'running' | 'done' | 'failed';
  readonly position?: number;
  readonly queued?: number;
  readonly stage?: string;
  readonly fraction?: number;
  readonly pieceId?: number;
  readonly error?: string;
}

const FIELDS = ['seed', 'style', 'instruments', 'tempo', 'length', 'temperature', 'key', 'meter', 'form'] as const;
const NUMBERS = new Set(['tempo', 'length', 'temperature']);
const POLL_MS = 400;

const form = byId<HTMLFormElement>('compose-form');
const composeButton = byId<HTMLButtonElement>('compose');
const seedInput = byId<HTMLInputElement>('seed');
const seedPointer = byId<HTMLPreElement>('seed-pointer');
let current: PieceView | undefined;
let busy = false;

function fieldInput(name: string): HTMLInputElement | HTMLSelectElement | null {
  return document.getElementById(name) as HTMLInputElement | HTMLSelectElement | null;
}

function showFieldError(name: string, message: string): void {
  const input = fieldInput(name);
  const slot = document.getElementById(`${name}-error`);
  if (input) input.setAttribute('aria-invalid', message ? 'true' : 'false');
  if (slot) slot.textContent = message;
}

function clearErrors(): void {
  for (const name of FIELDS) if (name !== 'seed') showFieldError(name, '');
  byId('compose-error').textContent = '';
}

/** Seed notes checked on every keystroke: the mistake marked with a caret, as /compose does. */
function checkSeed(): boolean {
  const text = seedInput.value;
  if (text.trim() === '') {
    showFieldError('seed', '');
    seedPointer.hidden = true;
    return true;
  }
  try {
    readSeed(text);
    showFieldError('seed', '');
    seedPointer.hidden = true;
    return true;
  } catch (error) {
    if (!(error instanceof SeedSyntaxError)) throw error;
    markSeedMistake(error.position, `Mistake at character ${error.position + 1}: ${error.expected}`);
    return false;
  }
}

function markSeedMistake(position: number, message: string): void {
  showFieldError('seed', message);
  seedPointer.textContent = seedErrorPointer(seedInput.value, position);
  seedPointer.hidden = false;
}

function formBody(): Record<string, string | number> {
  const body: Record<string, string | number> = {};
  for (const name of FIELDS) {
    const value = fieldInput(name)?.value.trim() ?? '';
    if (value === '') continue;
    body[name] = NUMBERS.has(name) ? Number(value) : value;
  }
  return body;
}

function setBusy(value: boolean): void {
  busy = value;
  composeButton.disabled = value;
  for (const button of document.querySelectorAll<HTMLButtonElement>('#result button[data-action]')) button.disabled = value;
}

function showProgress(text: string, fraction: number | null): void {
  byId('progress').hidden = false;
  byId('progress-text').textContent = text;
  const bar = byId<HTMLProgressElement>('progress-bar');
  if (fraction === null) bar.removeAttribute('value');
  else bar.value = fraction;
}

function progressWords(job: JobView): string {
  if (job.state === 'queued') return job.position ? `Queued ${job.position}/${job.queued ?? job.position} — waiting for a free composer…` : 'Queued…';
  const percent = Math.round((job.fraction ?? 0) * 100);
  if (job.stage === 'rendering') return `Rendering the audio and the piano roll… ${percent} %`;
  if (job.stage === 'storing') return 'Almost there…';
  return `Composing… ${percent} %`;
}

async function waitForJob(job: JobView): Promise<number> {
  let view = job;
  for (;;) {
    if (view.state === 'done' && view.pieceId !== undefined) return view.pieceId;
    if (view.state === 'failed') throw new Error(view.error ?? 'the compose failed');
    showProgress(progressWords(view), view.state === 'queued' ? null : (view.fraction ?? 0));
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    view = await api<JobView>(`/api/jobs/${encodeURIComponent(job.id)}`);
  }
}

function showPiece(piece: PieceView): void {
  current = piece;
  byId('progress').hidden = true;
  const result = byId('result');
  result.hidden = false;
  const title = byId('result-title');
  title.textContent = pieceTitle(piece);
  byId('result-details').textContent = pieceDetails(piece);
  const player = byId<HTMLAudioElement>('player');
  if (piece.audio) player.src = piece.audio;
  const image = byId<HTMLImageElement>('pianoroll');
  if (piece.image) image.src = piece.image;
  image.alt = `Piano roll of piece #${piece.id}`;
  const midi = byId<HTMLAnchorElement>('midi');
  if (piece.midi) midi.href = piece.midi;
  midi.setAttribute('download', `piece-${piece.id}.mid`);
  showScore(piece);
  const originality = byId('originality');
  originality.textContent = originalityLine(piece) ?? '';
  originality.hidden = originality.textContent === '';
  const history = byId<HTMLOListElement>('history-list');
  const link = el('a', { href: piece.audio ?? '#' }, pieceTitle(piece));
  link.addEventListener('click', (event) => {
    event.preventDefault();
    void api<PieceView>(`/api/pieces/${piece.id}`).then(showPiece);
  });
  history.prepend(el('li', {}, link, ` — ${pieceDetails(piece)}`));
  byId('history').hidden = false;
  title.focus();
}

/** The sheet music, when the piece has it (pieces from before scores have none). */
function showScore(piece: PieceView): void {
  const figure = byId('score');
  const image = byId<HTMLImageElement>('score-image');
  const musicxml = byId<HTMLAnchorElement>('musicxml');
  figure.hidden = musicxml.hidden = !piece.scoreImage || !piece.musicxml;
  if (!piece.scoreImage || !piece.musicxml) return;
  image.src = piece.scoreImage;
  image.alt = `Score of piece #${piece.id}, first page`;
  musicxml.href = piece.musicxml;
  musicxml.setAttribute('download', `piece-${piece.id}.musicxml`);
}

async function run(request: () => Promise<JobView>): Promise<void> {
  if (busy) return;
  setBusy(true);
  clearErrors();
  showProgress('Sending…', null);
  try {
    const pieceId = await waitForJob(await request());
    showPiece(await api<PieceView>(`/api/pieces/${pieceId}`));
  } catch (error) {
    byId('progress').hidden = true;
    if (error instanceof ApiError && typeof error.body.field === 'string' && fieldInput(error.body.field)) {
      const field = error.body.field;
      if (field === 'seed' && typeof error.body.position === 'number') markSeedMistake(error.body.position, error.message);
      else showFieldError(field, error.message);
      fieldInput(field)?.focus();
    } else {
      byId('compose-error').textContent = error instanceof Error ? error.message : String(error);
    }
  } finally {
    setBusy(false);
  }
}

async function start(): Promise<void> {
  const options = await api<Options>('/api/options');
  const style = byId<HTMLSelectElement>('style');
  for (const name of options.styles) style.append(el('option', { value: name }, name));
  style.value = options.styles.includes('folk') ? 'folk' : (options.styles[0] ?? '');
  const names = byId<HTMLDataListElement>('instrument-names');
  for (const name of options.instruments) names.append(el('option', { value: name }));
  const { tempo, length, temperature } = options.limits;
  for (const [name, range] of Object.entries({ tempo, length, temperature })) {
    const input = byId<HTMLInputElement>(name);
    input.min = String(range.min);
    input.max = String(range.max);
    input.placeholder = `${range.min}–${range.max}`;
  }
  byId<HTMLInputElement>('length').value = '4';
  seedInput.maxLength = options.limits.seedLength;
  const meter = byId<HTMLSelectElement>('meter');
  for (const name of options.meters) meter.append(el('option', { value: name }, name));
  const forms = byId<HTMLDataListElement>('form-names');
  for (const name of options.forms) forms.append(el('option', { value: name }));
  const formInput = byId<HTMLInputElement>('form');
  formInput.maxLength = options.limits.formLength;
  formInput.title = `Use ${options.formHelp}`;

  seedInput.addEventListener('input', () => checkSeed());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!checkSeed()) {
      seedInput.focus();
      return;
    }
    void run(() => api<JobView>('/api/compose', { method: 'POST', body: formBody() }));
  });
  for (const button of document.querySelectorAll<HTMLButtonElement>('#result button[data-action]')) {
    button.addEventListener('click', () => {
      const piece = current;
      if (piece) void run(() => api<JobView>(`/api/pieces/${piece.id}/${button.dataset.action ?? ''}`, { method: 'POST' }));
    });
  }
  document.body.dataset.ready = 'true';
}

start().catch((error: unknown) => {
  byId('compose-error').textContent = `The playground could not start: ${error instanceof Error ? error.message : String(error)}`;
});
