import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MissingDependencyError, RhythmixError } from '../util/errors.js';
import type { ModelConfig } from './config.js';
import type { GenerateRequest, GenerateResponse } from './generator.js';

function generateWorkerPath(): string {
  const beside = fileURLToPath(new URL('../workers/generate-worker.js', import.meta.url));
  if (existsSync(beside)) return beside;
  const built = fileURLToPath(new URL('../../dist/workers/generate-worker.js', import.meta.url));
  if (existsSync(built)) return built;
  throw new MissingDependencyError(`generation worker not built: ${built} is missing (run \`npm run build\`)`);
}

type Reply = { id: number; ok: true; results?: GenerateResponse[]; ready?: boolean; config?: ModelConfig; stepsPerQuarter?: number } | { id: number; ok: false; message: string; userError: boolean; exitCode: number };

/**
 * A model loaded in its own worker thread: `generate` calls never block the
 * caller's event loop. Requests are served one batch at a time, in order.
 */
export class GeneratorWorker {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: GenerateResponse[]) => void; reject: (e: Error) => void }>();

  private constructor(private readonly worker: Worker, readonly config: ModelConfig, readonly stepsPerQuarter: number) {
    worker.on('message', (reply: Reply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.results ?? []);
      else waiter.reject(reply.userError ? new RhythmixError(reply.message, { exitCode: reply.exitCode }) : new Error(reply.message));
    });
    const failAll = (error: Error): void => {
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`generation worker exited (code ${code})`)));
  }

  /** Starts a worker and loads the model (by name in models/ or by path). */
  static start(model: string): Promise<GeneratorWorker> {
    const worker = new Worker(generateWorkerPath(), { workerData: { model } });
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      worker.once('error', onError);
      worker.once('message', (reply: Reply) => {
        worker.off('error', onError);
        if (reply.ok && reply.ready) resolve(new GeneratorWorker(worker, reply.config!, reply.stepsPerQuarter!));
        else {
          void worker.terminate();
          reject(reply.ok ? new Error('generation worker did not start') : reply.userError ? new RhythmixError(reply.message, { exitCode: reply.exitCode }) : new Error(reply.message));
        }
      });
    });
  }

  async generate(request: GenerateRequest): Promise<GenerateResponse> {
    return (await this.generateBatch([request]))[0]!;
  }

  generateBatch(requests: GenerateRequest[]): Promise<GenerateResponse[]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, requests });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
