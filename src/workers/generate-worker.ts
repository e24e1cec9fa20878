/** Serves generation requests for one model off the caller's event loop (see src/model/generator-worker.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { Generator, type GenerateRequest } from '../model/generator.js';
import { RhythmixError } from '../util/errors.js';

const port = parentPort!;
const { model } = workerData as { model: string };

type Request = { id: number; requests: GenerateRequest[] };

try {
  const generator = await Generator.load(model);
  port.on('message', (message: Request) => {
    try {
      port.postMessage({ id: message.id, ok: true, results: generator.generateBatch(message.requests) });
    } catch (error) {
      port.postMessage({ id: message.id, ok: false, message: error instanceof Error ? error.message : String(error), userError: error instanceof RhythmixError, exitCode: error instanceof RhythmixError ? error.exitCode : 1 });
    }
  });
  port.postMessage({ id: 0, ok: true, ready: true, config: generator.model.config, stepsPerQuarter: generator.stepsPerQuarter });
} catch (error) {
  port.postMessage({ id: 0, ok: false, message: error instanceof Error ? error.message : String(error), userError: error instanceof RhythmixError, exitCode: error instanceof RhythmixError ? error.exitCode : 1 });
}
