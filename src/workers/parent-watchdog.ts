/**
 * A tiny thread inside every child process started by launch() (src/jobs/serve.ts starts it):
 * once the parent is gone (the child was re-parented), it ends the child and what it started after
 * a deadline — also when the child's main thread is busy in synchronous work and cannot notice.
 */
import { workerData } from 'node:worker_threads';
import { killTree } from '../jobs/process-tree.js';

const { ppid, deadlineMs, pollMs } = workerData as { ppid: number; deadlineMs: number; pollMs: number };
const timer = setInterval(() => {
  if (process.ppid === ppid) return;
  clearInterval(timer);
  setTimeout(() => killTree(process.pid), deadlineMs);
}, pollMs);
