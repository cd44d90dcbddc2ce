import { pbkdf2 } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createSlots, hashingSlotCount } from "./hashing-slots";
import { hashPassword, verifyPassword } from "./passwords";

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe("hashing slots", () => {
  it("runs one hash more than there are cores, and always leaves a thread of libuv's pool to the rest of the process", () => {
    expect(hashingSlotCount(2, 4)).toBe(3);
    expect(hashingSlotCount(16, 4)).toBe(3);
    expect(hashingSlotCount(16, 9)).toBe(8);
    expect(hashingSlotCount(1, 4)).toBe(2);
    expect(hashingSlotCount(4, 1)).toBe(1);
  });

  it("runs at most `limit` tasks at once, the waiting ones in the order they came, and frees a slot when a task fails", async () => {
    const run = createSlots(2);
    const tasks = Array.from({ length: 5 }, () => deferred());
    const started: number[] = [];
    const results = tasks.map((task, i) => run(() => (started.push(i), task.promise)).then(() => "ok", (e: Error) => e.message));
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    tasks[1].reject(new Error("bad hash"));
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1, 2]);
    tasks[0].resolve();
    tasks[2].resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1, 2, 3, 4]);
    tasks[3].resolve();
    tasks[4].resolve();
    expect(await Promise.all(results)).toEqual(["ok", "bad hash", "ok", "ok", "ok"]);
  });

  it("keeps other thread-pool work moving during a storm of password hashes", async () => {
    // Eight hashes at once, more than libuv's four pool threads. Without slots they fill the pool
    // and an unrelated pool task (here PBKDF2, as a file read or DNS look-up would) waits behind
    // at least four of them; with slots a pool thread is left free and it runs at once.
    const settings = { pepper: "", rounds: 10 };
    const stored = await hashPassword("correct horse", settings);
    const finished: string[] = [];
    const storm = Array.from({ length: 8 }, (_, i) => verifyPassword(`guess ${i}`, stored, settings).then(() => finished.push("hash")));
    await new Promise((resolve) => setImmediate(resolve));
    const other = new Promise<void>((resolve, reject) => pbkdf2("x", "salt", 1, 32, "sha256", (error) => (error ? reject(error) : resolve())));
    await other;
    finished.push("other");
    await Promise.all(storm);
    expect(finished.indexOf("other")).toBeLessThan(hashingSlotCount());
  });
});
