/** The training replicas' start-up data and calls (src/workers/train-worker.ts ⇄ src/train/replica-pool.ts). */
import type { OptimizerState } from '../model/adam.js';
import type { ModelConfig } from '../model/config.js';
import type { TrainingSettings } from './settings.js';
import type { TokenCorpus, WindowIndex } from './windows.js';

/** Slots of the shared Int32 control array. */
export const CONTROL = { arrived: 0, generation: 1, decision: 2, stopRequest: 3, abort: 4, length: 8 } as const;

export interface TrainWorkerData {
  rank: number;
  world: number;
  config: ModelConfig;
  settings: TrainingSettings;
  params: Float32Array;
  optimizer: OptimizerState | null;
  train: TokenCorpus;
  trainWindows: WindowIndex;
  /** Per train token: 1 where transposition moves it (settings.transpose > 0), else null. */
  trainShiftable: Uint8Array | null;
  /** Id of the first key token, which transposition turns (-1: none). */
  keyFirst: number;
  valid: TokenCorpus;
  control: SharedArrayBuffer;
  stats: SharedArrayBuffer;
  gradSlots: SharedArrayBuffer;
  reduced: SharedArrayBuffer;
}

/** What the coordinator asks a replica (one call each, through the off-thread runtime). */
export type ReplicaCall =
  | { type: 'epoch'; epoch: number; order: Int32Array; startBatch: number; shifts: Int8Array | null; learningRate: number }
  | { type: 'validate' }
  | { type: 'snapshot' };

/** Progress of an epoch (replica 0 reports for all). */
export interface ReplicaProgress {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  tokens: number;
}

export interface EpochDone {
  epoch: number;
  nextBatch: number;
  stopped: boolean;
}

export interface Validated {
  nll: number;
  tokens: number;
}

export interface Snapshot {
  params: Float32Array;
  optimizer: OptimizerState;
}
