// Another request's statement never becomes part of an open SQLite transaction: a transaction that
// rolls back takes only its own writes with it, and a plain write is committed when its promise
// resolves. Without the gate (lib/db/sqlite-transaction-gate.ts) the cases that race a plain write
// against a failing transaction lose that write.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Sqlite from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, driverAdapterOf, type Database } from "./client";
import { queryRows, runInTransaction, sql } from "./direct-sql";
import { applyPendingMigrations } from "./schema-engine";

const account = (name: string) => ({ userId: `@${name}:test.local`, userIdLower: `@${name}:test.local`, lowerIdClaim: `@${name}:test.local` });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Lets `count` turns of the microtask queue pass, so B's statement lands at a chosen point of A's. */
async function microtaskTurns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await Promise.resolve();
}

describe("SQLite: statements of other requests stay out of an open transaction", () => {
  let database: Database;
  /** A second connection, as another process would have: it sees committed rows only. */
  let observer: Sqlite.Database;
  const committed = (name: string) => observer.prepare("SELECT 1 FROM users WHERE user_id = ?").get(`@${name}:test.local`) !== undefined;

  beforeAll(async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "txn-gate-")), "hs.db");
    await applyPendingMigrations(`file:${file}`);
    database = createDatabase(`file:${file}`, { checkpointThread: false });
    await database.user.create({ data: account("existing") });
    observer = new Sqlite(file, { readonly: true });
  });

  afterAll(async () => {
    observer?.close();
    await database?.$disconnect();
  });

  it("keeps plain writes made while an interactive transaction waits, after it rolls back", async () => {
    let inside!: () => void;
    const opened = new Promise<void>((resolve) => (inside = resolve));
    const failing = database.$transaction(async (tx) => {
      await tx.user.create({ data: account("a-rolled-back") });
      inside();
      await sleep(30);
      throw new Error("the transaction fails after its first write");
    });
    const outcome = failing.then(
      () => "committed",
      () => "rolled back",
    );
    await opened;

    await database.user.create({ data: account("b-created") });
    // Committed by the time the request that wrote it could answer.
    expect(committed("b-created")).toBe(true);
    await database.user.update({ where: { userId: "@existing:test.local" }, data: { displayName: "set by B" } });
    await database.$executeRaw`UPDATE users SET admin = 1 WHERE user_id = '@existing:test.local'`;
    const consumed = await queryRows<{ user_id: string }>(
      database,
      sql`UPDATE users SET last_login_at = ${new Date()} WHERE user_id = ${"@existing:test.local"} RETURNING user_id`,
    );
    expect(consumed).toEqual([{ user_id: "@existing:test.local" }]);

    expect(await outcome).toBe("rolled back");
    expect(committed("a-rolled-back")).toBe(false);
    expect(committed("b-created")).toBe(true);
    const existing = await database.user.findUnique({ where: { userId: "@existing:test.local" } });
    expect(existing).toMatchObject({ displayName: "set by B", admin: true });
    expect(existing?.lastLoginAt).toBeInstanceOf(Date);
  });

  it("keeps a plain write whose promise chain runs in the same microtask drain as a failing transaction", async () => {
    const lost: number[] = [];
    for (let turns = 0; turns <= 30; turns += 2) {
      const failing = database
        .$transaction(async (tx) => {
          await tx.user.create({ data: account(`a-drain-${turns}`) });
          await tx.user.updateMany({ where: { userId: "@nobody:test.local" }, data: { admin: true } });
          throw new Error("not valid any more");
        })
        .catch(() => undefined);
      const plain = (async () => {
        await microtaskTurns(turns);
        await database.user.create({ data: account(`b-drain-${turns}`) });
      })();
      await Promise.all([failing, plain]);
      if (!committed(`b-drain-${turns}`)) lost.push(turns);
      expect(committed(`a-drain-${turns}`)).toBe(false);
    }
    expect(lost).toEqual([]);
  });

  it("keeps a plain write made beside a direct-SQL transaction that fails on a unique violation", async () => {
    const lost: number[] = [];
    const now = new Date();
    for (let turns = 0; turns <= 8; turns += 1) {
      const failing = runInTransaction(database, [
        sql`INSERT INTO devices (user_id, device_id, created_at, last_seen_at) VALUES (${"@existing:test.local"}, ${`DIRECT${turns}`}, ${now}, ${now})`,
        sql`INSERT INTO users (user_id, user_id_lower, lower_id_claim) VALUES (${"@existing:test.local"}, ${"@existing:test.local"}, ${"@existing:test.local"})`,
      ]).catch(() => undefined);
      const plain = (async () => {
        await microtaskTurns(turns);
        await queryRows(database, sql`INSERT INTO users (user_id, user_id_lower, lower_id_claim) VALUES (${`@b-direct-${turns}:test.local`}, ${`@b-direct-${turns}:test.local`}, ${`@b-direct-${turns}:test.local`}) RETURNING user_id`);
      })();
      await Promise.all([failing, plain]);
      if (!committed(`b-direct-${turns}`)) lost.push(turns);
    }
    expect(lost).toEqual([]);
    expect(await database.device.count({ where: { deviceId: { startsWith: "DIRECT" } } })).toBe(0);
  });

  it("keeps a plain write queued between two transactions out of the second, which rolls back", async () => {
    let finishFirst!: () => void;
    const firstMayEnd = new Promise<void>((resolve) => (finishFirst = resolve));
    let inside!: () => void;
    const firstOpened = new Promise<void>((resolve) => (inside = resolve));
    const first = database.$transaction(async (tx) => {
      await tx.user.create({ data: account("queue-first") });
      inside();
      await firstMayEnd;
    });
    await firstOpened;
    const second = database
      .$transaction(async (tx) => {
        await tx.user.create({ data: account("queue-second") });
        throw new Error("the second transaction fails");
      })
      .catch(() => "rolled back");
    const plain = database.user.create({ data: account("queue-plain") });
    const third = database.$transaction(async (tx) => {
      await tx.user.create({ data: account("queue-third") });
    });
    finishFirst();
    expect(await Promise.all([first.then(() => "committed"), second, plain.then(() => "written"), third.then(() => "committed")])).toEqual([
      "committed",
      "rolled back",
      "written",
      "committed",
    ]);
    expect(["queue-first", "queue-second", "queue-plain", "queue-third"].filter(committed)).toEqual(["queue-first", "queue-plain", "queue-third"]);
  });

  it("closes a transaction that ended without COMMIT or ROLLBACK before letting plain statements through", async () => {
    // Prisma's client does this when COMMIT itself fails: it calls rollback() without sending ROLLBACK.
    const adapter = await driverAdapterOf(database);
    const transaction = await adapter.startTransaction();
    await transaction.executeRaw({ sql: "INSERT INTO users (user_id, user_id_lower, lower_id_claim) VALUES ('@left-open:test.local', '@left-open:test.local', '@left-open:test.local')", args: [], argTypes: [] });
    await transaction.rollback();

    await database.user.create({ data: account("after-left-open") });
    expect(committed("after-left-open")).toBe(true);
    expect(committed("left-open")).toBe(false);
    // And the next transaction can begin.
    await database.$transaction(async (tx) => {
      await tx.user.create({ data: account("next-transaction") });
    });
    expect(committed("next-transaction")).toBe(true);
  });

  it("still runs transactions one after another", async () => {
    const order: string[] = [];
    await Promise.all([
      database.$transaction(async (tx) => {
        order.push("first begins");
        await tx.user.create({ data: account("serial-1") });
        await sleep(10);
        order.push("first ends");
      }),
      database.$transaction(async (tx) => {
        order.push("second begins");
        await tx.user.create({ data: account("serial-2") });
        order.push("second ends");
      }),
    ]);
    expect(order).toEqual(["first begins", "first ends", "second begins", "second ends"]);
    expect(committed("serial-1") && committed("serial-2")).toBe(true);
    expect(await database.user.count({ where: { userId: { startsWith: "@serial-" } } })).toBe(2);
  });
});
