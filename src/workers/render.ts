/**
 * Worker-thread entry for rendering (audio + piano roll); the client is
 * src/render/render-job.ts `runRenderJobInWorker`. A 'cancel' message aborts the job, which
 * kills fluidsynth/ffmpeg before the thread is terminated.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runRenderJob, serializeError, type RenderJob, type RenderWorkerMessage, type RenderWorkerRequest } from '../render/render-job.js';

const port = parentPort;
if (!port) throw new Error('src/workers/render.ts must run as a worker thread');

const cancel = new AbortController();
port.on('message', (message: RenderWorkerRequest) => {
  if (message.type === 'cancel') cancel.abort(new Error('render cancelled'));
});

const post = (message: RenderWorkerMessage): void => port.postMessage(message);

try {
  const result = await runRenderJob(workerData as RenderJob, {
    signal: cancel.signal,
    onProgress: (progress) => post({ type: 'progress', progress }),
  });
  post({ type: 'result', result });
} catch (error) {
  post({ type: 'error', error: serializeError(error) });
} finally {
  port.close();
}
