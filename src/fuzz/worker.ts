/**
 * The fuzzer's worker thread: makes and runs the cases it is sent, one at a time, and answers
 * each with its CaseResult. The harness (harness.ts) watches the time each case takes and ends
 * this thread when one hangs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { midiCorpus } from './midi-cases.js';
import { runCase, type FuzzTarget } from './run-case.js';

export interface FuzzWorkerData {
  readonly seed: number;
}

export interface FuzzRequest {
  readonly target: FuzzTarget;
  readonly index: number;
}

const { seed } = workerData as FuzzWorkerData;
const corpus = midiCorpus();
parentPort?.on('message', ({ target, index }: FuzzRequest) => parentPort?.postMessage(runCase(target, seed, index, corpus)));
// The corpus is read: cases may come (their time limits start now).
parentPort?.postMessage('ready');
