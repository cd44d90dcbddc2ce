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

  it("can check without consuming, and record failures separately", () => {
    const limiter = new RateLimiter({ per_second: 1, burst_count: 1 }, () => 0);
    limiter.check("k", { consume: false });
    limiter.check("k", { consume: false });
    limiter.record("k");
    expect(() => limiter.check("k", { consume: false })).toThrow(MatrixError);
  });
});
