import { describe, expect, it } from "vitest";
import { MatrixError } from "../matrix/errors";
import { RateLimiter } from "./rate-limiter";

describe("RateLimiter", () => {
  it("allows the burst, then refuses with retry_after_ms until the bucket drains", () => {
    let now = 0;
    const limiter = new RateLimiter({ per_second: 0.5, burst_count: 2 }, () => now);
    limiter.check("k");
    limiter.check("k");
    let refused: MatrixError | undefined;
    try {
      limiter.check("k");
    } catch (error) {
      refused = error as MatrixError;
    }
    expect(refused?.errcode).toBe("M_LIMIT_EXCEEDED");
    expect(refused?.status).toBe(429);
    expect(refused?.extra.retry_after_ms).toBe(2000);
    now = 2000;
    expect(() => limiter.check("k")).not.toThrow();
    expect(() => limiter.check("other")).not.toThrow();
  });

  it("forgets buckets that have drained, so an account that logged in once holds no memory", () => {
    let now = 0;
    const limiter = new RateLimiter({ per_second: 1, burst_count: 3 }, () => now);
    // One login each for many accounts, a second apart: each bucket drains a second after its action.
    for (let account = 0; account < 10_000; account++) {
      limiter.check(`@user${account}:example.org`);
      now += 1000;
    }
    expect(limiter.heldBuckets).toBeLessThanOrEqual(2);

    // Buckets still draining are kept, and still limit.
    limiter.check("@busy:example.org");
    limiter.check("@busy:example.org");
    limiter.check("@busy:example.org");
    for (let other = 0; other < 100; other++) limiter.check(`@other${other}:example.org`);
    expect(() => limiter.check("@busy:example.org")).toThrow(MatrixError);
    now += 3000;
    expect(() => limiter.check("@busy:example.org")).not.toThrow();
  });

  it("can check without consuming, and record failures separately", () => {
    const limiter = new RateLimiter({ per_second: 1, burst_count: 1 }, () => 0);
    limiter.check("k", { consume: false });
    limiter.check("k", { consume: false });
    limiter.record("k");
    expect(() => limiter.check("k", { consume: false })).toThrow(MatrixError);
  });
});
