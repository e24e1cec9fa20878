/**
 * Worker-thread entry for rendering (audio, piano roll, score); the caller is
 * src/render/render-job.ts `runRenderJobInWorker`. A cancel aborts the job, which kills
 * fluidsynth/ffmpeg before the thread is terminated.
 */
import { serve } from '../jobs/serve.js';
import { runRenderJob, type RenderJob, type RenderJobProgress, type RenderJobResult } from '../render/render-job.js';

serve<RenderJob, RenderJobResult, RenderJobProgress>((job, { progress, signal }) => runRenderJob(job, { signal, onProgress: progress }));
