/**
 * The names Rhythmix uses on Redis (REDIS_URL), in one place: BullMQ's queues, the admission keys
 * shared by every bot process (limits, positions), results, the model store and the channels.
 */
import { Redis } from 'ioredis';

/** BullMQ queue names: composes (any number of workers), retrains (one at a time cluster-wide). */
export const COMPOSE_QUEUE = 'rhythmix-compose';
export const RETRAIN_QUEUE = 'rhythmix-retrain';

const PREFIX = 'rhythmix:';

/** A compose's BullMQ job id from its admission id (BullMQ refuses ids that are whole numbers). */
export const composeJobId = (id: number | string): string => `compose-${id}`;
/** The result id of a compose's BullMQ job: its admission id, plus `-take-b` etc. for a take of a two-take request. */
export const resultId = (jobId: string): string => jobId.replace(/^compose-/, '');
/** The admission id (limits, positions) of a compose's BullMQ job: every take of a request shares its one place. */
export const admissionId = (jobId: string): string => resultId(jobId).replace(/-take-[a-z]$/, '');

export const KEYS = {
  /** Job ids, one counter for all bot processes. */
  sequence: `${PREFIX}seq`,
  /** HASH id → "user\tguild\tkind": every admitted job until it ends (the limits count these). */
  active: `${PREFIX}active`,
  /** ZSET id → id: admitted, not yet started by a worker (queue positions are ranks here). */
  queued: `${PREFIX}queued`,
  /** ZSET id → start time (ms): started by a worker. */
  running: `${PREFIX}running`,
  /** LIST: the last durations of finished jobs (ms), newest first, for "try again in N s". */
  durations: `${PREFIX}durations`,
  /** HASH of one job's answer (meta JSON + files), written once. */
  result: (id: number | string) => `${PREFIX}result:${id}`,
  /** A model file's bytes, by the SHA-256 of its content. */
  blob: (hash: string) => `${PREFIX}blob:${hash}`,
  /** HASH file name → content hash: one model version's files. */
  model: (name: string) => `${PREFIX}model:${name}`,
  /** The active global model version's name. */
  currentModel: `${PREFIX}model-current`,
  /** ZSET version name → when it was first published (ms): the store's listing. */
  modelVersions: `${PREFIX}model-versions`,
} as const;

export const CHANNELS = {
  /** A job was admitted, started or ended: bots recompute their waiting jobs' positions. Message: "admit|start|end:<id>". */
  changed: `${PREFIX}changed`,
  /** A bot cancels a running job (message: its id); the worker running it stops it. */
  cancel: `${PREFIX}cancel`,
  /** A job's answer was stored (message: its id). */
  done: `${PREFIX}done`,
} as const;

/** Connection options for BullMQ (it opens its own connections; blocking ones need no retry limit). */
export function bullConnection(url: string) {
  return { url, maxRetriesPerRequest: null };
}

/** A plain connection for Rhythmix's own keys; it reconnects by itself (a Redis restart is survived). */
export function connectRedis(url: string, name: string): Redis {
  return new Redis(url, { connectionName: `rhythmix-${name}`, maxRetriesPerRequest: null, enableAutoPipelining: true });
}
