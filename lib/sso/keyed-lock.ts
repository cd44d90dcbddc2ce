// Serialises work per key within this process (Synapse's per-IdP Linearizer, narrowed to one remote
// user: logins of different people need not wait for each other). Across instances the database's
// unique constraints are what keep one remote user to one account.
const tails = new Map<string, Promise<unknown>>();

export async function withKeyedLock<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  const run = previous.then(work, work);
  const tail = run.catch(() => undefined);
  tails.set(key, tail);
  try {
    return await run;
  } finally {
    if (tails.get(key) === tail) tails.delete(key);
  }
}
