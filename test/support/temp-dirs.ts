/** Temporary folders a test suite makes as it goes and removes together (in its afterEach). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export class TempDirs {
  private readonly dirs: string[] = [];

  /** A new empty folder under the system's temp folder, named `<prefix>XXXXXX`. */
  make(prefix: string): string {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  removeAll(): void {
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}
