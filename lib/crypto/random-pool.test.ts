import { describe, expect, it, vi } from "vitest";
import { generateToken } from "../auth/secrets";
import { randomBase64Url, takeRandomBytes } from "./random-pool";

describe("the random pool", () => {
  it("never hands out the same bytes twice, across many refills", () => {
    // 86 bytes is what one token takes; 2,000 takes refill the 4 KiB pool ~40 times.
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(Buffer.from(takeRandomBytes(86)).toString("hex"));
    expect(seen.size).toBe(2000);
  });

  it("gives random bytes from the first call on (not the buffer's zeros)", async () => {
    // A fresh copy of the module: its pool has handed out nothing yet.
    vi.resetModules();
    const fresh = await import("./random-pool");
    expect(Buffer.from(fresh.takeRandomBytes(32)).equals(Buffer.alloc(32))).toBe(false);
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 1000; i++) for (const byte of fresh.takeRandomBytes(64)) counts[byte] += 1;
    // 64,000 bytes: each value is expected 250 times; a pool handing out unfilled zeros, or the same
    // block again, would leave most values far off.
    expect(Math.min(...counts)).toBeGreaterThan(150);
    expect(Math.max(...counts)).toBeLessThan(350);
  });

  it("serves a request larger than the pool", () => {
    const bytes = takeRandomBytes(10_000);
    expect(bytes.length).toBe(10_000);
    expect(new Set(bytes).size).toBeGreaterThan(200);
  });

  it("writes values as base64url: 43 characters for 256 bits", () => {
    const values = Array.from({ length: 200 }, () => randomBase64Url(32));
    for (const value of values) expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(values).size).toBe(200);
  });

  it("keeps access tokens distinct when many are minted at once", () => {
    const tokens = new Set(Array.from({ length: 500 }, () => generateToken("syt", "alice")));
    expect(tokens.size).toBe(500);
  });
});
