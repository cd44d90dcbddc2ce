import { describe, expect, it } from "vitest";
import { BoundedCache } from "./bounded-cache";

describe("BoundedCache", () => {
  it("keeps at most its limit, dropping the entry set longest ago", () => {
    const cache = new BoundedCache<number>(3);
    for (const [index, key] of ["a", "b", "c", "d"].entries()) cache.set(key, index);
    expect(cache.size).toBe(3);
    expect(cache.get("a")).toBeUndefined();
    cache.set("b", 10);
    cache.set("e", 4);
    expect(cache.get("c")).toBeUndefined();
    expect([cache.get("b"), cache.get("d"), cache.get("e")]).toEqual([10, 3, 4]);
  });

  it("stays bounded under many distinct keys (a client choosing redirectUrls)", () => {
    const cache = new BoundedCache<string>(256);
    for (let index = 0; index < 10_000; index += 1) cache.set(`https://client.example/${index}`, "page");
    expect(cache.size).toBe(256);
  });
});
