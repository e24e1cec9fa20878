/**
 * Whether the bot is stopping, and the interaction flows still under way: a graceful stop
 * refuses new work at once and waits (a bounded time) for the flows to give their users an answer.
 */
export class BotLifecycle {
  private stoppingNow = false;
  private readonly flows = new Set<Promise<unknown>>();

  get stopping(): boolean {
    return this.stoppingNow;
  }

  beginStop(): void {
    this.stoppingNow = true;
  }

  /** Runs `flow`, remembering it until it settles. */
  track<T>(flow: Promise<T>): Promise<T> {
    this.flows.add(flow);
    const forget = () => this.flows.delete(flow);
    flow.then(forget, forget);
    return flow;
  }

  /** Resolves when every tracked flow settled, or after `timeoutMs`; true when all did. */
  async settled(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const all = (async () => {
      while (this.flows.size > 0) await Promise.allSettled([...this.flows]);
      return true as const;
    })();
    try {
      return await Promise.race([all, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
