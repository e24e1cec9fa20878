import type { EventEmitter } from 'node:events';

export const DEFAULT_WAIT_MS = 10_000;

/**
 * Resolves with the first truthy value of `probe`, re-checked on every `change` event of `signals`;
 * rejects after `timeoutMs` with a message naming what was awaited (and `describe()` for context).
 */
export function waitUntil<T>(
  signals: EventEmitter,
  probe: () => T | undefined | false | null,
  what: string,
  timeoutMs: number = DEFAULT_WAIT_MS,
  describe?: () => string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const check = (): boolean => {
      let value: T | undefined | false | null;
      try {
        value = probe();
      } catch (error) {
        cleanup();
        reject(error instanceof Error ? error : new Error(String(error)));
        return true;
      }
      if (value === undefined || value === false || value === null) return false;
      cleanup();
      resolve(value);
      return true;
    };
    const onChange = (): void => {
      check();
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${describe ? `\n${describe()}` : ''}`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      signals.off('change', onChange);
    };
    signals.on('change', onChange);
    check();
  });
}
