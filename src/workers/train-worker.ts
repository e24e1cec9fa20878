/**
 * One data-parallel training replica. Every worker holds the same weights,
 * computes the gradient of its rows of each batch, and the replicas average
 * gradients through SharedArrayBuffers (fixed summation order, so runs are
 * deterministic for a given thread count) before each applies the same Adam
 * step. The coordinator is src/train/trainer.ts.
 */
import { entryData, serveCalls, type CallContext } from '../jobs/serve.js';
import type { ModelConfig } from '../model/config.js';
import { AdamOptimizer, DEFAULT_ADAM } from '../model/adam.js';
import { languageModelFrom } from '../model/create-language-model.js';
import { Rng } from '../model/rng.js';
import { sequenceNll } from '../train/evaluate.js';
import type { TrainingSettings } from '../train/settings.js';
import { type BatchAugmentation, type TokenCorpus, type WindowIndex, fillBatch, pieceCount, resetFlags } from '../train/windows.js';
import {
  CONTROL,
  type EpochDone,
  type ReplicaCall,
  type ReplicaProgress,
  type Snapshot,
  type TrainWorkerData,
  type Validated,
} from '../train/replica-calls.js';

const data = entryData<TrainWorkerData>();
const { rank, world } = data;
const config: ModelConfig = data.config;
const settings: TrainingSettings = data.settings;
const net = languageModelFrom({ config, params: data.params });
const optimizer = new AdamOptimizer(net, { ...DEFAULT_ADAM, learningRate: settings.learningRate });
if (data.optimizer) optimizer.setState(data.optimizer);

const control = new Int32Array(data.control);
const stats = new Float64Array(data.stats);
const slots = new Float32Array(data.gradSlots);
const reduced = new Float32Array(data.reduced);
const size = net.size;
const chunkFrom = Math.floor((rank * size) / world);
const chunkTo = Math.floor(((rank + 1) * size) / world);
const rowFrom = Math.floor((rank * settings.batchSize) / world);
const rowTo = Math.floor(((rank + 1) * settings.batchSize) / world);
const rows = rowTo - rowFrom;
const T = settings.seqLen;
const inputs = new Int32Array(rows * T);
const targets = new Int32Array(rows * T);
const resets = new Uint8Array(rows);
const previousWindows = new Int32Array(rows).fill(-1);

class Aborted extends Error {}

/** All replicas meet here; the last to arrive snapshots the stop request so every replica sees the same decision. */
function barrier(): void {
  if (world === 1) {
    Atomics.store(control, CONTROL.decision, Atomics.load(control, CONTROL.stopRequest));
    return;
  }
  const generation = Atomics.load(control, CONTROL.generation);
  if (Atomics.add(control, CONTROL.arrived, 1) === world - 1) {
    Atomics.store(control, CONTROL.arrived, 0);
    Atomics.store(control, CONTROL.decision, Atomics.load(control, CONTROL.stopRequest));
    Atomics.add(control, CONTROL.generation, 1);
    Atomics.notify(control, CONTROL.generation);
    return;
  }
  while (Atomics.load(control, CONTROL.generation) === generation) {
    if (Atomics.load(control, CONTROL.abort)) throw new Aborted('another training worker failed');
    Atomics.wait(control, CONTROL.generation, generation, 500);
  }
}

function trainStep(
  corpus: TokenCorpus,
  windows: WindowIndex,
  ids: Int32Array,
  epoch: number,
  batchIndex: number,
  augmentation: BatchAugmentation | undefined,
  freshState: boolean,
): { loss: number; count: number } {
  net.zeroGradients();
  const mine = ids.subarray(rowFrom, rowTo);
  fillBatch(corpus, windows, mine, T, inputs, targets, augmentation);
  if (settings.stateful) {
    // A new epoch, or a resumed one that lost the state its streams had reached: all start from zero.
    if (freshState) previousWindows.fill(-1);
    resetFlags(windows, mine, previousWindows, resets);
  }
  const dropoutRng = config.dropout > 0 ? new Rng(((settings.seed * 1_000_003) ^ (epoch * 65_537) ^ (batchIndex * 257) ^ rank) >>> 0) : undefined;
  const result =
    rows > 0
      ? net.runBatch(inputs, targets, rows, T, { backward: true, ...(dropoutRng ? { dropoutRng } : {}), ...(settings.stateful ? { carry: resets } : {}) })
      : { loss: 0, count: 0 };
  stats[2 * rank] = result.loss;
  stats[2 * rank + 1] = result.count;
  if (world > 1) slots.set(net.gradientView(), rank * size);
  barrier();
  // Stats and slots are read only between the two barriers: no replica can
  // overwrite them (next step) before every replica has passed the second.
  let loss = 0;
  let count = 0;
  for (let w = 0; w < world; w++) {
    loss += stats[2 * w]!;
    count += stats[2 * w + 1]!;
  }
  if (world > 1) {
    // Each replica sums one slice of the parameter vector over all replicas, in rank order.
    reduced.set(slots.subarray(chunkFrom, chunkTo), chunkFrom);
    for (let w = 1; w < world; w++) {
      const base = w * size;
      for (let i = chunkFrom; i < chunkTo; i++) reduced[i] = reduced[i]! + slots[base + i]!;
    }
    barrier();
    net.gradientView().set(reduced);
  }
  if (count > 0) optimizer.step(1 / count, settings.clipNorm);
  return { loss, count };
}

function runEpoch(epoch: number, order: Int32Array, startBatch: number, shifts: Int8Array | null, progress: (p: ReplicaProgress) => void): EpochDone {
  const batches = Math.ceil(order.length / settings.batchSize);
  const augmentation = shifts && data.trainShiftable ? { shiftable: data.trainShiftable, shifts, keyFirst: data.keyFirst } : undefined;
  const ids = new Int32Array(settings.batchSize);
  let lastReport = 0;
  let lossSum = 0;
  let tokens = 0;
  for (let b = startBatch; b < batches; b++) {
    for (let r = 0; r < settings.batchSize; r++) {
      const i = b * settings.batchSize + r;
      ids[r] = i < order.length ? order[i]! : -1;
    }
    const step = trainStep(data.train, data.trainWindows, ids, epoch, b, augmentation, b === startBatch);
    lossSum += step.loss;
    tokens += step.count;
    const stop = Atomics.load(control, CONTROL.decision) !== 0;
    if (rank === 0) {
      const now = Date.now();
      if (now - lastReport > 200 || b === batches - 1 || stop) {
        progress({ epoch, batch: b + 1, batches, loss: tokens > 0 ? lossSum / tokens : 0, tokens });
        lastReport = now;
        lossSum = 0;
        tokens = 0;
      }
    }
    if (stop) return { epoch, nextBatch: b + 1, stopped: true };
  }
  return { epoch, nextBatch: batches, stopped: false };
}

function validate(): Validated {
  const corpus = data.valid;
  const pieces: Int32Array[] = [];
  for (let p = rank; p < pieceCount(corpus); p += world) pieces.push(corpus.tokens.subarray(corpus.starts[p], corpus.starts[p + 1]));
  const result = sequenceNll(net, pieces);
  return { nll: result.nll, tokens: result.tokens };
}

function answer(call: ReplicaCall, context: CallContext<ReplicaProgress>): EpochDone | Validated | Snapshot {
  switch (call.type) {
    case 'epoch':
      optimizer.settings.learningRate = call.learningRate;
      return runEpoch(call.epoch, call.order, call.startBatch, call.shifts, context.progress);
    case 'validate':
      return validate();
    case 'snapshot': {
      const state = optimizer.getState();
      context.transfer([state.m.buffer as ArrayBuffer, state.v.buffer as ArrayBuffer]);
      return { params: net.getParameters(), optimizer: state };
    }
  }
}

serveCalls<ReplicaCall, EpochDone | Validated | Snapshot, ReplicaProgress>({
  call: (call, context) => {
    try {
      return answer(call, context);
    } catch (error) {
      // The other replicas may wait at a barrier for this one: release them.
      Atomics.store(control, CONTROL.abort, 1);
      Atomics.notify(control, CONTROL.generation);
      throw error;
    }
  },
});
