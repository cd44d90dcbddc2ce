import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "./passwords";

describe("passwords", () => {
  const settings = { pepper: "", rounds: 4 };

  it("verifies a bcrypt hash as Synapse stores them ($2b$), with the pepper appended", async () => {
    // OpenWall crypt_blowfish test vector for "U*U", in the $2b$ form Python's bcrypt writes.
    const synapseHash = "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
    expect(await verifyPassword("U*U", synapseHash, settings)).toBe(true);
    // Synapse appends password_config.pepper before hashing.
    expect(await verifyPassword("U*", synapseHash, { pepper: "U", rounds: 4 })).toBe(true);
    expect(await verifyPassword("U*", synapseHash, settings)).toBe(false);
  });

  it("hashes at the configured rounds and round-trips", async () => {
    const hash = await hashPassword("correct horse", { pepper: "pep", rounds: 5 });
    expect(hash).toMatch(/^\$2b\$05\$/);
    expect(await verifyPassword("correct horse", hash, { pepper: "pep", rounds: 5 })).toBe(true);
    expect(await verifyPassword("correct horse", hash, { pepper: "", rounds: 5 })).toBe(false);
    expect(await verifyPassword("wrong", hash, { pepper: "pep", rounds: 5 })).toBe(false);
  });

  it("normalises to NFKC first, as Synapse", async () => {
    const hash = await hashPassword("ｐａｓｓ", settings); // full-width letters
    expect(await verifyPassword("pass", hash, settings)).toBe(true);
  });

  it("never matches an empty or missing hash", async () => {
    expect(await verifyPassword("", "", settings)).toBe(false);
    expect(await verifyPassword("x", null, settings)).toBe(false);
    expect(await verifyPassword("x", "not-a-hash", settings)).toBe(false);
  });
});

describe("hashing off the event loop", () => {
  it("lets other work run while a hash at Synapse's default cost is computed", async () => {
    const order: string[] = [];
    const hashing = hashPassword("correct horse", { pepper: "", rounds: 12 }).then(() => order.push("hash"));
    // A timer queued after the hash started fires before it ends only if hashing does not block.
    await new Promise<void>((resolve) => setTimeout(() => { order.push("timer"); resolve(); }, 0));
    await hashing;
    expect(order).toEqual(["timer", "hash"]);
  });
});
