// How many password hashes run at once. bcrypt runs in libuv's thread pool (four threads unless
// UV_THREADPOOL_SIZE says otherwise), which the process shares with file reads, DNS look-ups and
// asynchronous crypto. Under a password-login storm, unbounded hashing fills every pool thread with
// work of ~0.2 s each: the other pool users (an OIDC provider's DNS look-up, a file read) wait
// behind whole waves of hashes.
// So hashes queue here and run one more at a time than there are cores (so that no core idles
// while a finished hash hands its slot to the next: with exactly one per core, 16 clients got ~3 %
// fewer logins per second), and never on every pool thread: one is always left for the rest of the
// process.
import os from "node:os";

export function hashingSlotCount(cores = os.availableParallelism(), poolSize = Number(process.env.UV_THREADPOOL_SIZE) || 4): number {
  return Math.max(1, Math.min(cores + 1, poolSize - 1));
}

/** Runs tasks at most `limit` at a time, in the order they were queued. */
export function createSlots(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  };
  return <T>(task: () => Promise<T>): Promise<T> => {
    const start = (): Promise<T> => {
      let started: Promise<T>;
      try {
        started = task();
      } catch (error) {
        started = Promise.reject(error);
      }
      return started.finally(release);
    };
    if (running < limit) {
      running += 1;
      return start();
    }
    // The slot is handed over by release(): `running` stays the same.
    return new Promise<void>((resolve) => waiting.push(resolve)).then(start);
  };
}
