// Builds the web pages (part of `npm run build`): bundles each page's script from src/web/client
// (browser TypeScript sharing src/music's seed parser with the server) with esbuild, and copies
// the static pages and the stylesheet, into dist/web/public. Nothing is fetched at run time.
import { cpSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/web/public`;
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [`${root}src/web/client/playground.ts`, `${root}src/web/client/gallery.ts`],
  outdir: out,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
  tsconfig: `${root}src/web/client/tsconfig.json`,
});
cpSync(`${root}src/web/public`, out, { recursive: true });
