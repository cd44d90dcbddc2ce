import { afterEach, describe, expect, it, vi } from "vitest";
import { generateToken } from "../auth/secrets";
import { randomBase64Url, takeRandomBytes } from "./random-pool";

afterEach(() => {
  vi.doUnmock("node:crypto");
  vi.resetModules();
});

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

  it("hands out consecutive, non-overlapping runs of each fill, the length asked, and wipes them", async () => {
    // A fresh copy of the module over a generator that writes a known pattern: fill k puts
    // (i + 17k) mod 256 at position i, so each byte handed out says where it came from.
    let fills = 0;
    let poolSeen: Uint8Array | undefined;
    vi.resetModules();
    vi.doMock("node:crypto", async (importOriginal) => ({
      ...(await importOriginal<typeof import("node:crypto")>()),
      randomFillSync: (buffer: Uint8Array) => {
        fills += 1;
        poolSeen = buffer;
        for (let i = 0; i < buffer.length; i++) buffer[i] = (i + 17 * fills) % 256;
        return buffer;
      },
    }));
    const fresh = await import("./random-pool");
    const expected = (fill: number, offset: number, count: number) =>
      Array.from({ length: count }, (_, j) => (offset + j + 17 * fill) % 256);

    expect([...fresh.takeRandomBytes(10)]).toEqual(expected(1, 0, 10));
    expect([...fresh.takeRandomBytes(20)]).toEqual(expected(1, 10, 20));
    expect(Buffer.from(fresh.randomBase64Url(4000), "base64url").toJSON().data).toEqual(expected(1, 30, 4000));
    // What was handed out is gone from the pool; what was not is still there.
    expect(poolSeen!.subarray(0, 4030).every((byte) => byte === 0)).toBe(true);
    expect([...poolSeen!.subarray(4030, 4040)]).toEqual(expected(1, 4030, 10));
    // 66 bytes are left: a take of 100 starts a new fill rather than mixing the two.
    expect([...fresh.takeRandomBytes(100)]).toEqual(expected(2, 0, 100));
    expect(fills).toBe(2);
  });

  it("refuses a count that is not a whole number of bytes, rather than reusing bytes", () => {
    expect(() => takeRandomBytes(-1)).toThrow(RangeError);
    expect(() => takeRandomBytes(Number.NaN)).toThrow(RangeError);
    expect(() => randomBase64Url(2.5)).toThrow(RangeError);
    expect(takeRandomBytes(0).length).toBe(0);
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
