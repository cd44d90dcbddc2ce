// The rate limiter's semantics (a property test against a plain leaky bucket, Synapse's model) and
// the database-backed shared buckets: several "instances" (separate clients and limiters) on one
// PostgreSQL database or one SQLite file enforce one limit, atomically, under concurrency.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase as createPrismaClient, type Database } from "../db/client";
import { applyPendingMigrations } from "../db/schema-engine";
import { MatrixError } from "../matrix/errors";
import { createDatabase } from "../../test-support/postgres";
import { getConfig, parseHomeserverConfig, setConfig } from "../config/load-config";
import { limitAvailabilityCheck } from "./login-limiters";
import { RateLimiter } from "./rate-limiter";
import { PostgresBucketStore, SqliteBucketStore, type BucketStore } from "./shared-buckets";

/** Synapse's leaky bucket (synapse/api/ratelimiting.py), as the reference. */
class ReferenceBucket {
  private buckets = new Map<string, { actions: number; at: number }>();
  constructor(private rate: number, private burst: number) {}
  private level(key: string, now: number) {
    const bucket = this.buckets.get(key);
    return bucket ? Math.max(0, bucket.actions - ((now - bucket.at) / 1000) * this.rate) : 0;
  }
  retryAfter(key: string, now: number): number {
    const excess = this.level(key, now) + 1 - this.burst;
    return excess <= 1e-9 ? 0 : (excess / this.rate) * 1000;
  }
  record(key: string, now: number) {
    this.buckets.set(key, { actions: this.level(key, now) + 1, at: now });
  }
}

const refusal = (action: () => unknown): MatrixError | null => {
  try {
    action();
    return null;
  } catch (error) {
    return error as MatrixError;
  }
};

describe("RateLimiter semantics", () => {
  it("decides exactly as a leaky bucket, with retry_after_ms rounded up", () => {
    const step = fc.record({
      dt: fc.integer({ min: 0, max: 5_000 }),
      key: fc.constantFrom("a", "b"),
      op: fc.constantFrom("check", "peek", "record"),
    });
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 50, noNaN: true }),
        fc.integer({ min: 1, max: 10 }),
        fc.array(step, { maxLength: 60 }),
        (rate, burst, steps) => {
          let now = 1_000_000;
          const limiter = new RateLimiter({ per_second: rate, burst_count: burst }, () => now);
          const reference = new ReferenceBucket(rate, burst);
          for (const { dt, key, op } of steps) {
            now += dt;
            if (op === "record") {
              limiter.record(key);
              reference.record(key, now);
              continue;
            }
            const expected = reference.retryAfter(key, now);
            const error = refusal(() => limiter.check(key, { consume: op === "check" }));
            if (expected === 0) {
              expect(error).toBeNull();
              if (op === "check") reference.record(key, now);
            } else {
              expect(error?.errcode).toBe("M_LIMIT_EXCEEDED");
              expect(error?.status).toBe(429);
              // Both sides compute in floating point; the rounded-up answer may differ by a millisecond.
              expect(Math.abs((error!.extra.retry_after_ms as number) - Math.ceil(expected))).toBeLessThanOrEqual(1);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("the username availability check limit", () => {
  // One process on SQLite: buckets in memory (the config decides; the sample file is not loadable).
  beforeAll(() =>
    setConfig(parseHomeserverConfig({ server_name: "test.local", macaroon_secret_key: "x".repeat(32), rc_username_availability: { per_second: 2, burst_count: 20 } })),
  );
  afterAll(() => setConfig(undefined));

  it("allows a burst per mapping session, then M_LIMIT_EXCEEDED with retry_after_ms", async () => {
    for (let i = 0; i < getConfig().rc_username_availability.burst_count; i++) await limitAvailabilityCheck("session-one");
    const refused = await limitAvailabilityCheck("session-one").catch((error: unknown) => error as MatrixError);
    expect(refused).toBeInstanceOf(MatrixError);
    expect((refused as MatrixError).errcode).toBe("M_LIMIT_EXCEEDED");
    expect((refused as MatrixError).extra.retry_after_ms).toBeGreaterThan(0);
    // Another session is not affected.
    await expect(limitAvailabilityCheck("session-two")).resolves.toBeUndefined();
  });
});

const STORES = [
  {
    name: "PostgreSQL (several instances)",
    newDatabaseUrl: () => createDatabase(inject("postgresUrl"), `rl_${process.pid}_${Date.now()}`),
    store: (client: () => Database): BucketStore => new PostgresBucketStore(client),
  },
  {
    name: "SQLite (several worker processes on one file)",
    newDatabaseUrl: async () => `file:${path.join(mkdtempSync(path.join(os.tmpdir(), "rl-")), "buckets.db")}`,
    store: (client: () => Database): BucketStore => new SqliteBucketStore(client),
  },
];

describe.each(STORES)("shared buckets on $name", ({ newDatabaseUrl, store }) => {
  const clients: Database[] = [];
  let url: string;

  beforeAll(async () => {
    url = await newDatabaseUrl();
    await applyPendingMigrations(url);
    for (let i = 0; i < 3; i++) clients.push(createPrismaClient(url));
  });

  afterAll(async () => {
    for (const client of clients) await client.$disconnect();
  });

  /** One instance of the service: its own database client and its own limiter. */
  const instance = (index: number, settings = { per_second: 0.001, burst_count: 5 }, now: () => number = Date.now) =>
    new RateLimiter(settings, now, { store: store(() => clients[index]), namespace: "test" });

  it("lets exactly burst_count of 60 concurrent actions through, across three instances", async () => {
    const limiters = [instance(0), instance(1), instance(2)];
    const outcomes = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) => Promise.resolve().then(() => limiters[i % 3].check("concurrent"))),
    );
    const allowed = outcomes.filter((outcome) => outcome.status === "fulfilled");
    expect(allowed).toHaveLength(5);
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") {
        expect(outcome.reason).toBeInstanceOf(MatrixError);
        expect(outcome.reason.errcode).toBe("M_LIMIT_EXCEEDED");
        expect(outcome.reason.extra.retry_after_ms).toBeGreaterThan(0);
      }
    }
  });

  it("counts failed attempts recorded on one instance when another checks", async () => {
    const a = instance(0, { per_second: 0.001, burst_count: 3 });
    const b = instance(1, { per_second: 0.001, burst_count: 3 });
    await a.record("@victim:test.local");
    await b.record("@victim:test.local");
    await a.check("@victim:test.local", { consume: false });
    await a.record("@victim:test.local");
    // A third instance that has never seen the key refuses: the state is in the database.
    const c = instance(2, { per_second: 0.001, burst_count: 3 });
    await expect(c.check("@victim:test.local", { consume: false })).rejects.toMatchObject({
      errcode: "M_LIMIT_EXCEEDED",
      extra: { retry_after_ms: expect.any(Number) },
    });
    // And from now on refuses synchronously, from what it learnt.
    expect(() => c.check("@victim:test.local", { consume: false })).toThrow(MatrixError);
  });

  it("drains at per_second on every instance alike, with Synapse's retry_after_ms", async () => {
    let now = 5_000_000;
    const a = instance(0, { per_second: 0.5, burst_count: 2 }, () => now);
    const b = instance(1, { per_second: 0.5, burst_count: 2 }, () => now);
    await a.check("drain");
    await b.check("drain");
    await expect(a.check("drain")).rejects.toMatchObject({ extra: { retry_after_ms: 2000 } });
    now += 2000;
    await expect(b.check("drain")).resolves.toBeUndefined();
    await expect(a.check("drain")).rejects.toMatchObject({ extra: { retry_after_ms: 2000 } });
  });
});
