// Statements sent straight to the driver adapter must read and write exactly what the Prisma
// client would, on both databases: the rows the model API reads back, the dates it compares, a
// transaction that is all or nothing, and the same refusals.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../../test-support/backends";
import { freshMigratedDatabase } from "../../test-support/migrated-database";
import type { Database } from "./client";
import { queryRows, runInTransaction, sql } from "./direct-sql";

describe.each(BACKENDS)("direct SQL on %s", (backend) => {
  let database: Database;

  beforeAll(async () => {
    database = await freshMigratedDatabase(backend);
  });
  afterAll(async () => {
    await database.$disconnect();
  });

  async function addUser(userId: string) {
    await database.user.create({ data: { userId, userIdLower: userId.toLowerCase(), lowerIdClaim: userId.toLowerCase() } });
  }

  it("writes dates and nulls that the model API reads back unchanged, and reads rows by column name", async () => {
    await addUser("@ann:example.org");
    const created = new Date("2026-12-07T04:05:06.789Z");
    await runInTransaction(database, [
      sql`INSERT INTO devices (user_id, device_id, display_name, created_at, last_seen_at, last_seen_ip)
          VALUES (${"@ann:example.org"}, ${"DEV1"}, ${null}, ${created}, ${created}, ${"10.0.0.1"})`,
    ]);
    const device = await database.device.findUnique({ where: { userId_deviceId: { userId: "@ann:example.org", deviceId: "DEV1" } } });
    expect(device).toMatchObject({ displayName: null, createdAt: created, lastSeenAt: created, lastSeenIp: "10.0.0.1" });

    // A date written by the model API compares correctly against one bound here.
    const rows = await queryRows<{ device_id: string; seen_before: unknown }>(
      database,
      sql`SELECT device_id, last_seen_at < ${new Date(created.getTime() + 1)} AS seen_before FROM devices WHERE user_id = ${"@ann:example.org"}`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].device_id).toBe("DEV1");
    expect([true, 1]).toContain(rows[0].seen_before);
  });

  it("writes all of a transaction's statements or none of them", async () => {
    await addUser("@ben:example.org");
    const now = new Date();
    const device = sql`INSERT INTO devices (user_id, device_id, created_at, last_seen_at) VALUES (${"@ben:example.org"}, ${"DEV2"}, ${now}, ${now})`;
    // The second statement fails (a device of a user that does not exist): the first is undone.
    const orphan = sql`INSERT INTO devices (user_id, device_id, created_at, last_seen_at) VALUES (${"@nobody:example.org"}, ${"DEV3"}, ${now}, ${now})`;
    await expect(runInTransaction(database, [device, orphan])).rejects.toThrow();
    expect(await database.device.count({ where: { userId: "@ben:example.org" } })).toBe(0);

    // The connection is usable afterwards, by the client and by direct statements alike.
    await runInTransaction(database, [device]);
    expect(await database.device.count({ where: { userId: "@ben:example.org" } })).toBe(1);
  });

  it("refuses a NUL character with a Matrix error before anything is written", async () => {
    await addUser("@cat:example.org");
    const now = new Date();
    await expect(
      runInTransaction(database, [sql`UPDATE users SET last_login_at = ${now} WHERE user_id = ${"@cat:example.org"}`, sql`UPDATE users SET display_name = ${"a\u0000b"} WHERE user_id = ${"@cat:example.org"}`]),
    ).rejects.toMatchObject({ errcode: "M_INVALID_PARAM" });
    expect((await database.user.findUnique({ where: { userId: "@cat:example.org" } }))?.lastLoginAt).toBeNull();
  });

  it("runs beside the client's own interactive transactions without breaking either", async () => {
    await addUser("@dan:example.org");
    const now = new Date();
    const results = await Promise.allSettled([
      database.$transaction(async (tx) => {
        await tx.device.create({ data: { userId: "@dan:example.org", deviceId: "TX1" } });
        await new Promise((resolve) => setTimeout(resolve, 20));
        await tx.device.create({ data: { userId: "@dan:example.org", deviceId: "TX2" } });
      }),
      runInTransaction(database, [sql`INSERT INTO devices (user_id, device_id, created_at, last_seen_at) VALUES (${"@dan:example.org"}, ${"DIRECT"}, ${now}, ${now})`]),
      runInTransaction(database, [sql`UPDATE users SET last_login_at = ${now} WHERE user_id = ${"@dan:example.org"}`]),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
    const devices = await database.device.findMany({ where: { userId: "@dan:example.org" }, orderBy: { deviceId: "asc" } });
    expect(devices.map((d) => d.deviceId)).toEqual(["DIRECT", "TX1", "TX2"]);
  });
});
