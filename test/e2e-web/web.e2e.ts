/**
 * The web pages in a real browser: Debian's chromium (headless) driven by puppeteer-core.
 * - The playground on `rhythmix web` as a newcomer starts it (built CLI, nothing configured but a
 *   temporary database and pieces folder): a bad seed is marked as it is typed, a piece in 3/4
 *   and form AABA is composed with the keyboard alone, its score picture shown and its audio
 *   element played to its end, then a Variation.
 * - The gallery on the bot's own web server (WEB_PORT), fed through the Discord simulator: an
 *   admin opens it with /gallery on, members compose, vary and continue each other's pieces; the
 *   page shows them, its lineage tree is followed with the keyboard and played in order; a server
 *   that did not opt in (and one that opted out again) shows nothing.
 * Screenshots of each page go to test-artifacts/web/. Build first (`npm run build`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GUILD, DiscordSimulator, MessageFlags, type SimMessage } from '../sim/index.js';
import { removeDir, startTestBot, type TestBot } from '../bot/support/test-bot.js';
import { freePort } from '../support/free-port.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ARTIFACTS = path.join(ROOT, 'test-artifacts/web');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Generous: two cores shared with the composes; nothing here measures speed. */
const WAIT_MS = 100_000;
const SLOW = { timeout: 180_000 };

const isResult = (message: SimMessage) => message.attachments.length === 3 && !(message.flags & MessageFlags.Loading);

/** `rhythmix web --port 0` as a newcomer runs it; resolves with the address it prints. */
async function startCliWeb(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/rhythmix.js'), 'web', '--port', '0'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: dir, COMPOSE_WORKERS: '1', QUEUE_CONCURRENCY: '1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const found = /web playground at (http:\/\/\S+)/.exec(out);
      if (found) resolve(found[1]!);
    });
    child.once('exit', (code) => reject(new Error(`rhythmix web exited with ${code}: ${out}`)));
  });
  return { child, url };
}

/**
 * Runs `expression` (JavaScript) in the page and returns its (awaited) value. The browser-side code
 * is text here: this project's TypeScript has no DOM types outside src/web/client.
 */
function inPage<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate(expression) as Promise<T>;
}

/** Errors the page reported (script errors, CSP refusals, failed loads): there must be none. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) errors.push(message.text());
  });
  return errors;
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function ready(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: 'networkidle0' });
  await page.waitForSelector('body[data-ready="true"]');
}

/** Presses Tab until the focused element matches `selector` (at most `max` times): keyboard only. */
async function tabTo(page: Page, selector: string, max = 80): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await inPage<boolean>(page, `document.activeElement?.matches(${JSON.stringify(selector)}) ?? false`)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

const text = (page: Page, selector: string) => inPage<string>(page, `document.querySelector(${JSON.stringify(selector)})?.textContent ?? ''`);
const count = (page: Page, selector: string) => inPage<number>(page, `document.querySelectorAll(${JSON.stringify(selector)}).length`);
/** An image's natural width once it has finished loading (0: it failed to load). */
async function loadedWidth(page: Page, selector: string): Promise<number> {
  await page.waitForFunction(`document.querySelector(${JSON.stringify(selector)})?.complete === true`, { timeout: 10_000 });
  return inPage<number>(page, `document.querySelector(${JSON.stringify(selector)}).naturalWidth`);
}
const activeId = (page: Page) => inPage<string | undefined>(page, 'document.activeElement?.id');

describe('the web pages in chromium', () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(path.join(tmpdir(), 'rhythmix-web-e2e-'));
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      // As root (CI containers) chromium refuses to start sandboxed; autoplay lets the test play audio.
      args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required', '--mute-audio'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('the playground of `rhythmix web`', () => {
    let web: { child: ChildProcess; url: string };
    let page: Page;
    let errors: string[];

    beforeAll(async () => {
      web = await startCliWeb(dir);
      page = await browser.newPage();
      errors = watchErrors(page);
      await page.setViewport({ width: 1100, height: 900 });
    });

    afterAll(async () => {
      web?.child.kill('SIGTERM');
      await page?.close();
    });

    // The CSP allows no inline script: a page that needed one would report it here.
    afterEach(() => expect(errors).toEqual([]));

    it('listens on 127.0.0.1 and marks a bad seed as it is typed', SLOW, async () => {
      expect(new URL(web.url).hostname).toBe('127.0.0.1');
      await ready(page, web.url);
      await screenshot(page, 'playground');
      await page.type('#seed', 'C4q E4x G4h');
      await page.waitForFunction(`document.querySelector('#seed')?.getAttribute('aria-invalid') === 'true'`);
      expect(await text(page, '#seed-error')).toContain('character 7');
      expect(await text(page, '#seed-pointer')).toBe('C4q E4x G4h\n      ^');
      await screenshot(page, 'playground-bad-seed');
      // Fixed, the mark goes away.
      await inPage(page, `document.querySelector('#seed').value = ''`);
      await page.type('#seed', 'C4q E4q G4h');
      await page.waitForFunction(`document.querySelector('#seed')?.getAttribute('aria-invalid') === 'false'`);
      expect(await inPage(page, `document.querySelector('#seed-pointer').hidden`)).toBe(true);
    });

    it('composes with the keyboard alone, then plays the piece to its end', SLOW, async () => {
      await ready(page, web.url);
      // Skip link → the form; every field reached with Tab, the form sent with Enter.
      await page.keyboard.press('Tab');
      expect(await inPage(page, 'document.activeElement?.className')).toBe('skip');
      await tabTo(page, '#seed');
      await page.keyboard.type('C4q E4q G4h');
      await tabTo(page, '#style');
      await page.keyboard.type('classical');
      await tabTo(page, '#tempo');
      await page.keyboard.type('160');
      // Four bars (the default length): one per section of AABA, in 3/4.
      await tabTo(page, '#meter');
      await page.keyboard.type('3/4');
      expect(await inPage(page, `document.querySelector('#meter').value`)).toBe('3/4');
      await tabTo(page, '#form');
      await page.keyboard.type('AABA');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#progress:not([hidden])');
      await page.waitForSelector('#result:not([hidden])', { timeout: WAIT_MS });
      expect(await text(page, '#result-title')).toBe('Piece #1');
      expect(await activeId(page)).toBe('result-title');
      expect(await text(page, '#result-details')).toMatch(/^classical · .* · 3\/4 · AABA · 160 BPM · 4 bars/);
      expect(await text(page, '#originality')).toMatch(/^longest shared phrase: (\d+(\.\d+)? bars?|unknown)$/);
      const picture = { width: await loadedWidth(page, '#pianoroll'), alt: await inPage<string>(page, `document.querySelector('#pianoroll').alt`) };
      expect(picture.width).toBeGreaterThan(100);
      expect(picture.alt).toBe('Piano roll of piece #1');
      const midi = await inPage(
        page,
        `fetch(document.querySelector('#midi').href).then(async (r) => new TextDecoder().decode((await r.arrayBuffer()).slice(0, 4)))`,
      );
      expect(midi).toBe('MThd');
      // The sheet music: its picture loaded, its MusicXML downloadable.
      expect(await loadedWidth(page, '#score-image')).toBeGreaterThan(0);
      expect(await inPage(page, `document.querySelector('#score-image').alt`)).toBe('Score of piece #1, first page');
      const musicxml = await inPage<string>(page, `fetch(document.querySelector('#musicxml').href).then((r) => r.text())`);
      expect(musicxml).toContain('<score-partwise');
      expect(musicxml).toContain('<beats>3</beats>');

      const played = await inPage<{ ended: boolean; currentTime: number; duration: number }>(
        page,
        `new Promise((resolve, reject) => {
          const player = document.querySelector('#player');
          player.addEventListener('ended', () => resolve({ ended: player.ended, currentTime: player.currentTime, duration: player.duration }));
          player.addEventListener('error', () => reject(new Error('audio error ' + player.error?.code)));
          player.currentTime = 0;
          player.play().catch(reject);
        })`,
      );
      expect(played.ended).toBe(true);
      expect(played.duration).toBeGreaterThan(2);
      expect(played.currentTime).toBeCloseTo(played.duration, 1);
      await screenshot(page, 'playground-result');
    });

    it('makes a Variation of the piece', SLOW, async () => {
      await page.click('#result button[data-action="variation"]');
      await page.waitForFunction(`document.querySelector('#result-title')?.textContent === 'Piece #2 (variation of #1)'`, { timeout: WAIT_MS });
      expect(await count(page, '#history-list li')).toBe(2);
    });
  });

  describe('a gallery fed by the bot', () => {
    let sim: DiscordSimulator;
    let test: TestBot;
    let base: string;
    let page: Page;
    let errors: string[];

    beforeAll(async () => {
      sim = await DiscordSimulator.start({ guilds: [DEFAULT_GUILD, { name: 'Quiet Corner', textChannels: ['general'], members: ['dave'] }] });
      const port = await freePort();
      test = await startTestBot(sim, { env: { WEB_PORT: String(port), QUEUE_PER_USER: '1' } });
      base = `http://127.0.0.1:${port}`;
      await sim.waitForCommands(['compose', 'gallery']);
      page = await browser.newPage();
      errors = watchErrors(page);
      await page.setViewport({ width: 1200, height: 1000 });
    });

    afterEach(() => expect(errors).toEqual([]));

    afterAll(async () => {
      await page?.close();
      await test?.stop();
      await sim?.close();
      removeDir(test?.dir);
    });

    const lab = () => [...sim.world.guilds.values()].find((g) => g.name === 'Rhythmix Lab')!;
    const quiet = () => [...sim.world.guilds.values()].find((g) => g.name === 'Quiet Corner')!;
    const pieceId = async (message: SimMessage) => {
      const prisma = test.bot.context.db.prisma;
      await expect.poll(() => prisma.piece.count({ where: { messageId: message.id } }), { timeout: 5000 }).toBe(1);
      return (await prisma.piece.findUniqueOrThrow({ where: { messageId: message.id } })).id;
    };

    it('shows a chain members built on each other, follows its lineage with the keyboard and plays it in order', SLOW, async () => {
      const [alice, bob] = [sim.user('alice'), sim.user('bob')];
      // Only an admin opens the gallery.
      const refused = await bob.slash('gallery on').waitForReply();
      expect(refused.flags & MessageFlags.Ephemeral).toBeTruthy();
      expect(refused.content).toContain('Only server admins');
      expect((await alice.slash('gallery on').waitForReply()).content).toContain('Gallery on');

      const original = await alice.slash('compose', { seed: 'C4q E4q G4h', style: 'folk', length: 2, tempo: 160 }).waitForReply(isResult, WAIT_MS);
      const rootId = await pieceId(original);
      const variation = await bob.click(original, `piece:variation:${rootId}`).waitForReply(isResult, WAIT_MS);
      const variationId = await pieceId(variation);
      const continuation = await alice.click(variation, `piece:continue:${variationId}`).waitForReply(isResult, WAIT_MS);
      const continuationId = await pieceId(continuation);
      bob.react(variation, '👍');
      // A piece in the server that never opened its gallery.
      await sim.user('dave').slash('compose', { style: 'folk', length: 2, tempo: 160 }, { channel: quiet().channels[0]! }).waitForReply(isResult, WAIT_MS);

      await ready(page, `${base}/gallery`);
      expect(await inPage(page, `[...document.querySelectorAll('#servers a')].map((a) => a.textContent)`)).toEqual(['Rhythmix Lab']);
      await screenshot(page, 'gallery-servers');
      await page.click('#servers a');
      await page.waitForSelector('body[data-ready="true"]');
      await page.waitForSelector('#pieces .piece');
      const titles = await inPage(page, `[...document.querySelectorAll('#pieces .piece h3')].map((n) => n.textContent)`);
      expect(titles).toEqual([
        `Piece #${continuationId} (continuation of #${variationId})`,
        `Piece #${variationId} (variation of #${rootId})`,
        `Piece #${rootId}`,
      ]);
      const html = await page.content();
      expect(html).toContain('by bob');
      for (const id of [sim.user('alice').id, sim.user('bob').id, original.id, original.channelId]) expect(html).not.toContain(id);
      expect(await inPage(page, `[...document.querySelectorAll('#pieces .piece .meta')].some((n) => n.textContent.includes('score 1'))`)).toBe(true);
      await screenshot(page, 'gallery');

      // Keyboard only: Tab to the continuation's Lineage button, Enter opens the tree.
      await tabTo(page, `button[data-lineage="${continuationId}"]`);
      await page.keyboard.press('Enter');
      await page.waitForSelector('#lineage:not([hidden])');
      expect(await activeId(page)).toBe('lineage-title');
      const tree = await inPage(page, `[...document.querySelectorAll('#lineage-tree li')].map((li) => li.querySelector('button')?.dataset.piece)`);
      expect(tree).toEqual([String(rootId), String(variationId), String(continuationId)]);
      // Drawn as a tree: the continuation sits two lists deeper than the first piece.
      const depth = await inPage(
        page,
        `(() => { let n = 0; for (let node = document.querySelector('#lineage-tree button[data-piece="${continuationId}"]'); node; node = node.parentElement) if (node.tagName === 'UL') n++; return n; })()`,
      );
      expect(depth).toBe(3);
      expect(await text(page, '#chain-text')).toBe(`The chain to #${continuationId}: #${rootId} → #${variationId} → #${continuationId}`);

      // Played in order, each to its end (four times as fast to keep the test short).
      await inPage(
        page,
        `(() => {
          const player = document.querySelector('#chain-player');
          player.defaultPlaybackRate = 4;
          window.played = [];
          window.ends = 0;
          // 'playing' comes again after a stall (a busy machine): a piece counts once in a row.
          player.addEventListener('playing', () => {
            const path = new URL(player.currentSrc).pathname;
            if (window.played.at(-1) !== path) window.played.push(path);
          });
          player.addEventListener('ended', () => window.ends++);
        })()`,
      );
      await tabTo(page, '#chain-play');
      await page.keyboard.press('Enter');
      await page.waitForFunction(`document.querySelector('#chain-text')?.textContent?.startsWith('Played the chain')`, { timeout: 60_000 });
      const played = await inPage(page, 'window.played');
      expect(played).toEqual([rootId, variationId, continuationId].map((id) => `/pieces/${id}/audio.ogg`));
      expect(await inPage(page, 'window.ends')).toBe(3);
      await screenshot(page, 'gallery-lineage');
    });

    it('shows nothing of a server that did not opt in, or opted out again', SLOW, async () => {
      await ready(page, `${base}/gallery?server=${quiet().id}`);
      expect(await text(page, '#gallery-status')).toBe('This server does not share a gallery.');
      expect(await count(page, '#pieces .piece')).toBe(0);
      expect((await fetch(`${base}/api/galleries/${quiet().id}`)).status).toBe(404);
      await screenshot(page, 'gallery-not-shared');

      expect((await sim.user('alice').slash('gallery off').waitForReply()).content).toContain('Gallery off');
      await ready(page, `${base}/gallery?server=${lab().id}`);
      expect(await text(page, '#gallery-status')).toBe('This server does not share a gallery.');
      await ready(page, `${base}/gallery`);
      expect(await text(page, '#gallery-status')).toContain('No server has opened its gallery yet');
    });
  });
});
