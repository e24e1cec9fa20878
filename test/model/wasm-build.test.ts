import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const clang = spawnSync('clang', ['--version'], { encoding: 'utf8' });
const committedVersion = readFileSync(path.join(root, 'wasm/kernels.clang-version'), 'utf8').trim();
const sameCompiler = clang.status === 0 && clang.stdout.split('\n')[0]!.trim() === committedVersion;

// The committed wasm/kernels.wasm must be what wasm/kernels.c builds to; checked where the same clang is installed.
describe.skipIf(!sameCompiler)('wasm kernels build', () => {
  it('rebuilds wasm/kernels.c to the committed bytes', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rhythmix-wasm-'));
    try {
      const out = path.join(dir, 'kernels.wasm');
      execFileSync(path.join(root, 'scripts/build-wasm.sh'), [out], { stdio: 'pipe' });
      expect(readFileSync(out).equals(readFileSync(path.join(root, 'wasm/kernels.wasm')))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
