/**
 * The better-sqlite3 adapter runs every query on one connection. An interactive transaction
 * (BEGIN … COMMIT) spans several awaits, and a query issued elsewhere in the meantime would run
 * inside it — and vanish if it rolls back (see test/db/transaction-isolation.test.ts). This
 * wrapper makes queries outside a transaction wait until the open transaction has ended.
 */
import type { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';

type Adapter = Awaited<ReturnType<PrismaBetterSqlite3['connect']>>;
type Transaction = Awaited<ReturnType<Adapter['startTransaction']>>;

/** A first-come, first-served lock. */
class Gate {
  private tail: Promise<void> = Promise.resolve();

  acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const ready = this.tail.then(() => release);
    this.tail = this.tail.then(() => held);
    return ready;
  }
}

export function serializedAdapterFactory(inner: PrismaBetterSqlite3): PrismaBetterSqlite3 {
  return new Proxy(inner, {
    get(target, property) {
      if (property === 'connect') return async () => serialize(await target.connect());
      if (property === 'connectToShadowDb') return async () => serialize(await target.connectToShadowDb());
      return forward(target, property);
    },
  });
}

function serialize(adapter: Adapter): Adapter {
  const gate = new Gate();
  const exclusive = async <T>(work: () => Promise<T>): Promise<T> => {
    const release = await gate.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  };
  return new Proxy(adapter, {
    get(target, property) {
      if (property === 'queryRaw') return (query: Parameters<Adapter['queryRaw']>[0]) => exclusive(() => target.queryRaw(query));
      if (property === 'executeRaw') return (query: Parameters<Adapter['executeRaw']>[0]) => exclusive(() => target.executeRaw(query));
      if (property === 'executeScript') return (script: string) => exclusive(() => target.executeScript(script));
      if (property === 'startTransaction') {
        return async (isolationLevel?: Parameters<Adapter['startTransaction']>[0]) => {
          const release = await gate.acquire();
          try {
            return releasingOnEnd(await target.startTransaction(isolationLevel), release);
          } catch (error) {
            release();
            throw error;
          }
        };
      }
      return forward(target, property);
    },
  });
}

function releasingOnEnd(transaction: Transaction, release: () => void): Transaction {
  let released = false;
  const end = (finish: () => Promise<void>) => async () => {
    try {
      await finish();
    } finally {
      if (!released) {
        released = true;
        release();
      }
    }
  };
  return new Proxy(transaction, {
    get(target, property) {
      if (property === 'commit') return end(() => target.commit());
      if (property === 'rollback') return end(() => target.rollback());
      return forward(target, property);
    },
  });
}

/** Everything else goes to the real object (bound: the adapter uses private fields). */
function forward(target: object, property: string | symbol): unknown {
  const value: unknown = Reflect.get(target, property, target);
  return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
}
