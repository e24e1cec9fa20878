import * as tf from '@tensorflow/tfjs';

/**
 * Which TensorFlow.js backend the stock (tf.layers) paths use: tfjs-node when
 * that optional package is installed, else the wasm backend, else pure JS.
 * The Rhythmix engine itself always runs on its own wasm kernels.
 */
export type StockBackend = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  backend: StockBackend;
  /** Why this one: which were tried and failed. */
  notes: string[];
}

let selected: Promise<BackendInfo> | undefined;

async function tryBackend(name: StockBackend, load: () => Promise<unknown>, notes: string[]): Promise<boolean> {
  try {
    await load();
    if (!(await tf.setBackend(name))) throw new Error('setBackend returned false');
    await tf.ready();
    return true;
  } catch (error) {
    notes.push(`${name} unavailable: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    return false;
  }
}

/** An optional dependency: a `string`, not the literal, so the type-checker does not need it installed. */
const TFJS_NODE: string = '@tensorflow/tfjs-node';

/** Picks the fastest available backend once per process and reports it. */
export function selectBackend(preferred?: StockBackend): Promise<BackendInfo> {
  selected ??= (async () => {
    const notes: string[] = [];
    const order: StockBackend[] = preferred ? [preferred, 'tensorflow', 'wasm', 'cpu'] : ['tensorflow', 'wasm', 'cpu'];
    for (const name of [...new Set(order)]) {
      const load = name === 'tensorflow' ? () => import(TFJS_NODE) : name === 'wasm' ? () => import('@tensorflow/tfjs-backend-wasm') : async () => undefined;
      if (await tryBackend(name, load, notes)) return { backend: name, notes };
    }
    throw new Error(`no TensorFlow.js backend could start: ${notes.join('; ')}`);
  })();
  return selected;
}
