/**
 * A bot process's connections to the cluster (REDIS_URL): one connection for commands, one for
 * Rhythmix's pub/sub channels, the BullMQ compose and retrain queues and their events. Opened once
 * by the bot's composition root and shared by the Redis job queue and the remote runners.
 */
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullConnection, CHANNELS, COMPOSE_QUEUE, connectRedis, RETRAIN_QUEUE } from './redis.js';

type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];

export class ClusterClient {
  readonly redis: Redis;
  readonly composeQueue: Queue;
  readonly composeEvents: QueueEvents;
  readonly retrainQueue: Queue;
  readonly retrainEvents: QueueEvents;
  private readonly subscriber: Redis;
  private readonly listeners = new Map<string, Set<(message: string) => void>>();

  private constructor(readonly url: string) {
    this.redis = connectRedis(url, 'bot');
    this.subscriber = connectRedis(url, 'bot-events');
    this.subscriber.on('message', (channel: string, message: string) => {
      for (const listener of this.listeners.get(channel) ?? []) listener(message);
    });
    const connection = bullConnection(url);
    this.composeQueue = new Queue(COMPOSE_QUEUE, { connection, streams: { events: { maxLen: 2000 } } });
    this.composeEvents = new QueueEvents(COMPOSE_QUEUE, { connection });
    this.retrainQueue = new Queue(RETRAIN_QUEUE, { connection });
    this.retrainEvents = new QueueEvents(RETRAIN_QUEUE, { connection });
    // A connection error is retried by ioredis; unhandled 'error' events would end the process.
    for (const emitter of [this.redis, this.subscriber, this.composeQueue, this.composeEvents, this.retrainQueue, this.retrainEvents]) {
      (emitter as { on(event: 'error', listener: (error: Error) => void): unknown }).on('error', () => undefined);
    }
  }

  /** Connects and subscribes; resolves once Redis answered and the events listeners run. */
  static async open(url: string): Promise<ClusterClient> {
    const client = new ClusterClient(url);
    try {
      await client.subscriber.subscribe(...Object.values(CHANNELS));
      await Promise.all([client.redis.ping(), client.composeEvents.waitUntilReady(), client.retrainEvents.waitUntilReady()]);
      // Retrains run one at a time in the whole cluster, whichever worker takes them.
      await client.retrainQueue.setGlobalConcurrency(1);
      return client;
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  /**
   * The cluster's compose jobs in BullMQ now (every bot's): running on a worker, and waiting for
   * one. A few O(1) reads; the health log asks once per line.
   */
  async composeJobCounts(): Promise<{ readonly running: number; readonly queued: number }> {
    const counts = await this.composeQueue.getJobCounts('active', 'wait', 'prioritized');
    return { running: counts.active ?? 0, queued: (counts.wait ?? 0) + (counts.prioritized ?? 0) };
  }

  /** Calls `listener` with each message on `channel`; returns the unsubscribe. */
  on(channel: Channel, listener: (message: string) => void): () => void {
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.composeEvents.close(), this.retrainEvents.close(), this.composeQueue.close(), this.retrainQueue.close()]);
    this.subscriber.disconnect();
    this.redis.disconnect();
  }
}
