// A leaky-bucket rate limiter with Synapse's semantics (synapse/api/ratelimiting.py): each key may
// perform `burst_count` actions at once, and the bucket drains at `per_second`.
//
// A bucket is kept as the one number that describes it, the time at which it will be empty
// (`emptyAt`, ms): an action adds 1/per_second seconds to it, and an action is allowed while the
// bucket then holds at most `burst_count` actions, i.e. emptyAt − now ≤ burst_count/per_second.
//
// State lives in this process and, when a shared store is given (PostgreSQL, see
// ./shared-buckets.ts), also in the database, so that several instances enforce one limit:
//
// - the in-process view is checked first, synchronously (it never counts more than the shared
//   bucket holds, so it only refuses what the shared bucket would refuse too);
// - the shared bucket is then updated atomically, and the returned promise rejects with
//   M_LIMIT_EXCEEDED if it refuses. The in-process view is refreshed with the shared state.
//
// Callers `await` check() and record(). Without a shared store both complete synchronously.
import { MatrixError } from "../matrix/errors";
import type { BucketStore } from "./shared-buckets";
import { metrics } from "../metrics/recorder";

export interface RateLimitSettings {
  per_second: number;
  burst_count: number;
}

const MAX_KEYS = 100_000;
/** How many of the least recently touched buckets each action looks at, to forget the drained ones. */
const DRAINED_CHECKED_PER_ACTION = 2;
/** Float tolerance (ms) when comparing bucket levels, so that n·(1/rate) sums compare as intended. */
const EPSILON_MS = 1e-6;

function limitExceeded(retryAfterMs: number): MatrixError {
  return new MatrixError("M_LIMIT_EXCEEDED", "Too Many Requests", { retry_after_ms: Math.max(1, Math.ceil(retryAfterMs)) });
}

export class RateLimiter {
  private readonly emptyAt = new Map<string, number>();

  constructor(
    private readonly settings: RateLimitSettings,
    private readonly now: () => number = Date.now,
    private readonly shared?: { store: BucketStore; namespace: string },
    /** For synapse_sso_rate_limit_rejections_total; defaults to the shared namespace. */
    private readonly name?: string,
  ) {}

  private refuse(retryAfterMs: number): MatrixError {
    metrics()?.rateLimited(this.name ?? this.shared?.namespace ?? "unnamed");
    return limitExceeded(retryAfterMs);
  }

  /** Milliseconds one action adds to a bucket. */
  private get increment(): number {
    return 1000 / this.settings.per_second;
  }

  /** How far ahead of now a bucket may be empty: the burst, in ms. */
  private get window(): number {
    return (this.settings.burst_count * 1000) / this.settings.per_second;
  }

  /** Milliseconds by which `count` more actions would overflow a bucket empty at `emptyAt`; ≤ 0 if allowed. */
  private excess(emptyAt: number | undefined, at: number, count = 1): number {
    return Math.max(emptyAt ?? at, at) + count * this.increment - at - this.window;
  }

  /** Milliseconds until `count` more actions would be allowed for the key (in-process view); 0 if allowed now. */
  retryAfterMs(key: string, count = 1): number {
    const excess = this.excess(this.emptyAt.get(key), this.now(), count);
    return excess <= EPSILON_MS ? 0 : Math.ceil(excess);
  }

  /**
   * Throws (or, with a shared store, rejects with) M_LIMIT_EXCEEDED if the key is over its limit;
   * with `consume`, records the action.
   */
  check(key: string, { consume = true }: { consume?: boolean } = {}): void | Promise<void> {
    const retryAfterMs = this.retryAfterMs(key);
    if (retryAfterMs > 0) throw this.refuse(retryAfterMs);
    if (consume) this.recordLocally(key);
    if (!this.shared) return;
    const { store, namespace } = this.shared;
    const at = this.now();
    const sharedKey = `${namespace}:${key}`;
    const outcome = consume
      ? store.consume(sharedKey, this.increment, this.window, at)
      : store.peek(sharedKey).then((emptyAt) => (emptyAt === null ? null : { emptyAt, allowed: this.excess(emptyAt, at) <= EPSILON_MS }));
    return handled(
      outcome.then((result) => {
        if (result === null) return;
        this.learn(key, result.emptyAt);
        if (!result.allowed) throw this.refuse(this.excess(result.emptyAt, at));
      }),
    );
  }

  /** Records an action without checking (e.g. a failed login attempt). */
  record(key: string): void | Promise<void> {
    this.recordLocally(key);
    if (!this.shared) return;
    const { store, namespace } = this.shared;
    return handled(store.add(`${namespace}:${key}`, this.increment, this.now()).then((emptyAt) => this.learn(key, emptyAt)));
  }

  private recordLocally(key: string): void {
    const at = this.now();
    const next = Math.max(this.emptyAt.get(key) ?? at, at) + this.increment;
    this.emptyAt.delete(key);
    this.emptyAt.set(key, next);
    this.forgetDrained(at);
    if (this.emptyAt.size > MAX_KEYS) this.evictIdle(at);
  }

  /** Takes the shared bucket's state as this process's view (it counts every instance's actions). */
  private learn(key: string, emptyAt: number): void {
    this.emptyAt.delete(key);
    this.emptyAt.set(key, emptyAt);
    this.forgetDrained(this.now());
  }

  /**
   * A drained bucket says no more than a missing one, so it need not be kept. A key touched again
   * moves to the end of the map, so its front holds the least recently touched buckets: looking at
   * a couple of them per action keeps the map near the number of buckets still draining, instead of
   * letting it fill to MAX_KEYS with every account that ever logged in (~80 bytes each: 8 MB of the
   * server's memory at the limit, which the full bench's token logins over 1M users reached).
   */
  private forgetDrained(at: number): void {
    for (let checked = 0; checked < DRAINED_CHECKED_PER_ACTION; checked++) {
      const oldest = this.emptyAt.entries().next();
      if (oldest.done || oldest.value[1] > at) return;
      this.emptyAt.delete(oldest.value[0]);
    }
  }

  /** How many buckets this process holds (drained ones are forgotten as others act). */
  get heldBuckets(): number {
    return this.emptyAt.size;
  }

  /** Drops buckets that have fully drained, oldest first, so memory stays bounded under a flood of keys. */
  private evictIdle(at: number): void {
    for (const [key, emptyAt] of this.emptyAt) {
      if (this.emptyAt.size <= MAX_KEYS / 2) break;
      if (emptyAt <= at) this.emptyAt.delete(key);
    }
    if (this.emptyAt.size > MAX_KEYS) {
      const oldest = this.emptyAt.keys().next().value;
      if (oldest !== undefined) this.emptyAt.delete(oldest);
    }
  }

  reset(): void {
    this.emptyAt.clear();
  }
}

/**
 * The promise, marked as handled: a caller that awaits it still sees the rejection, and one that
 * does not (fire-and-forget recording) cannot crash the process with an unhandled rejection.
 */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}
