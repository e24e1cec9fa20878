/**
 * The better-sqlite3 adapter runs every query on one connection. An interactive transaction
 * (BEGIN … COMMIT) spans several awaits, and a query issued elsewhere in the meantime would run
 * inside it — and vanish if it rolls back (see test/db/transaction-isolation.test.ts). This
 * wrapper makes queries outside a transaction wait until the open transaction has ended.
 *
 * Across processes (the shards of a sharded bot share one file) it also takes the write lock when
 * a transaction begins: the adapter's plain (deferred) BEGIN reads first and upgrades to a writer
 * later, and in WAL mode an upgrade after another process committed fails at once with SQLITE_BUSY
 * ("database is locked", no busy timeout). Taking the lock first waits out the other writer instead.
 * `onConnect` is SQL run once on the connection (per-connection pragmas).
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

export function serializedAdapterFactory(inner: PrismaBetterSqlite3, options: { readonly onConnect?: string } = {}): PrismaBetterSqlite3 {
  return new Proxy(inner, {
    get(target, property) {
      if (property === 'connect')
        return async () => {
          const adapter = await target.connect();
          if (options.onConnect) await adapter.executeScript(options.onConnect);
          return serialize(adapter, { writeLockFirst: true });
        };
      if (property === 'connectToShadowDb') return async () => serialize(await target.connectToShadowDb(), { writeLockFirst: false });
      return forward(target, property);
    },
  });
}

/**
 * A write that changes nothing but needs the write lock (and so waits up to the busy timeout for
 * it), on the table the migrations runner always creates.
 */
const TAKE_WRITE_LOCK = { sql: 'DELETE FROM "_prisma_migrations" WHERE 0', args: [], argTypes: [] };

function serialize(adapter: Adapter, options: { writeLockFirst: boolean }): Adapter {
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
          let transaction: Transaction | undefined;
          try {
            transaction = await target.startTransaction(isolationLevel);
            if (options.writeLockFirst) await transaction.executeRaw(TAKE_WRITE_LOCK);
            return releasingOnEnd(transaction, release);
          } catch (error) {
            await transaction?.rollback().catch(() => undefined);
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
