// A leaky-bucket rate limiter with Synapse's semantics (synapse/api/ratelimiting.py): each key may
// perform `burst_count` actions at once, and the bucket drains at `per_second`. State is per
// process, as in Synapse (per worker).
import { MatrixError } from "../matrix/errors";

export interface RateLimitSettings {
  per_second: number;
  burst_count: number;
}

interface Bucket {
  actions: number;
  updatedAt: number;
}

const MAX_KEYS = 100_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly settings: RateLimitSettings,
    private readonly now: () => number = Date.now,
  ) {}

  private drained(key: string, at: number): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return 0;
    return Math.max(0, bucket.actions - ((at - bucket.updatedAt) / 1000) * this.settings.per_second);
  }

  /** Milliseconds until `count` more actions would be allowed for the key; 0 if allowed now. */
  retryAfterMs(key: string, count = 1): number {
    const excess = this.drained(key, this.now()) + count - this.settings.burst_count;
    return excess <= 0 ? 0 : Math.ceil((excess / this.settings.per_second) * 1000);
  }

  /** Throws M_LIMIT_EXCEEDED if the key is over its limit; with `consume`, records the action. */
  check(key: string, { consume = true }: { consume?: boolean } = {}): void {
    const retryAfterMs = this.retryAfterMs(key);
    if (retryAfterMs > 0) {
      throw new MatrixError("M_LIMIT_EXCEEDED", "Too Many Requests", { retry_after_ms: retryAfterMs });
    }
    if (consume) this.record(key);
  }

  /** Records an action without checking (e.g. a failed login attempt). */
  record(key: string): void {
    const at = this.now();
    const actions = this.drained(key, at) + 1;
    this.buckets.delete(key);
    this.buckets.set(key, { actions, updatedAt: at });
    if (this.buckets.size > MAX_KEYS) this.evictIdle(at);
  }

  /** Drops buckets that have fully drained, oldest first, so memory stays bounded under a flood of keys. */
  private evictIdle(at: number): void {
    for (const [key] of this.buckets) {
      if (this.buckets.size <= MAX_KEYS / 2) break;
      if (this.drained(key, at) === 0) this.buckets.delete(key);
    }
    if (this.buckets.size > MAX_KEYS) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
  }

  reset(): void {
    this.buckets.clear();
  }
}
