#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm ci` (prepare) or `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('rhythmix: not built yet — run `npm ci` (or `npm run build`) in the project folder.');
  process.exit(2);
}
const { main } = await import(entry.href);
await main(process.argv);
