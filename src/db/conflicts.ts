/**
 * PostgreSQL runs transactions side by side (SQLite queues them on its one connection), so two
 * that both create the same row on first sight — a new user's two reactions arriving at once, two
 * pieces of a new guild — race, and the loser fails on the unique key. Running the loser again
 * finds the row the winner committed and goes on from there.
 */

const ATTEMPTS = 3;

/** Prisma's "unique constraint failed" (P2002), from either generated client. */
function isUniqueConflict(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2002';
}

/** Runs `transaction` (which must be safe to repeat: one transaction, nothing else) again when it lost such a race. */
export async function retryOnUniqueConflict<T>(transaction: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      if (attempt >= ATTEMPTS || !isUniqueConflict(error)) throw error;
    }
  }
}
