// The statement cache on SQLite connections: each SQL text is compiled once, every use runs with
// its own arguments, and the service's queries (through Prisma and its adapter) give the same
// answers and the same errors as without it.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, isUniqueViolation, type Database as Prisma } from "./client";
import { applyPendingMigrations } from "./schema-engine";
import { cachePreparedStatements } from "./sqlite-statement-cache";

describe("cachePreparedStatements", () => {
  function connection(capacity?: number) {
    const database = new Database(":memory:");
    database.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)");
    const compiled: string[] = [];
    const prepare = database.prepare.bind(database);
    database.prepare = ((sql: string) => {
      compiled.push(sql);
      return prepare(sql);
    }) as typeof database.prepare;
    cachePreparedStatements(database, capacity);
    return { database: database as unknown as { prepare(sql: string): any }, compiled };
  }

  it("compiles each SQL text once and runs every use with the arguments it was bound to", () => {
    const { database, compiled } = connection();
    const insert = "INSERT INTO t (name) VALUES (?)";
    database.prepare(insert).bind(["ann"]).run();
    database.prepare(insert).bind(["ben"]).run();
    const select = "SELECT name FROM t WHERE id = ?";
    expect(database.prepare(select).bind([1]).raw().all()).toEqual([["ann"]]);
    expect(database.prepare(select).bind([2]).raw().all()).toEqual([["ben"]]);
    // Unbound use, as for BEGIN and COMMIT.
    database.prepare("BEGIN").run();
    database.prepare(insert).bind(["cat"]).run();
    database.prepare("COMMIT").run();
    expect(database.prepare("SELECT count(*) AS n FROM t").all()).toEqual([{ n: 3 }]);
    expect(compiled.filter((sql) => sql === insert)).toHaveLength(1);
    expect(compiled.filter((sql) => sql === select)).toHaveLength(1);
  });

  it("keeps a statement usable after it failed", () => {
    const { database } = connection();
    const insert = "INSERT INTO t (name) VALUES (?)";
    database.prepare(insert).bind(["dup"]).run();
    expect(() => database.prepare(insert).bind(["dup"]).run()).toThrow(/UNIQUE/);
    expect(database.prepare(insert).bind(["next"]).run().changes).toBe(1);
  });

  it("describes a statement's columns once, as better-sqlite3 does, and shares the frozen description", () => {
    const { database } = connection();
    const uncached = new Database(":memory:");
    uncached.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)");
    const select = "SELECT id, name AS who, id > ? AS big FROM t WHERE name = ?";
    const first = database.prepare(select);
    const described: unknown[] = [];
    const statement = (first as { prepared: { statement: { columns(): unknown[] } } }).prepared.statement;
    const describe = statement.columns.bind(statement);
    statement.columns = () => {
      described.push(select);
      return describe();
    };

    const columns = first.bind([1, "ann"]).columns();
    expect(columns).toEqual(uncached.prepare(select).columns());
    expect(columns.map((column: { name: string }) => column.name)).toEqual(["id", "who", "big"]);
    expect(database.prepare(select).bind([2, "ben"]).columns()).toBe(columns);
    expect(database.prepare(select).columns()).toBe(columns);
    expect(described).toHaveLength(1);
    expect(Object.isFrozen(columns) && Object.isFrozen(columns[0])).toBe(true);
    // A different text has its own description.
    expect(database.prepare("SELECT name FROM t").columns().map((column: { name: string }) => column.name)).toEqual(["name"]);
  });

  it("holds at most `capacity` statements, dropping the least recently used", () => {
    const { database, compiled } = connection(2);
    const sql = (n: number) => `SELECT ${n}`;
    database.prepare(sql(1)).all();
    database.prepare(sql(2)).all();
    database.prepare(sql(1)).all(); // 1 is now the most recent
    database.prepare(sql(3)).all(); // evicts 2
    database.prepare(sql(1)).all();
    database.prepare(sql(2)).all(); // compiled again
    expect(compiled).toEqual([sql(1), sql(2), sql(3), sql(2)]);
  });
});

describe("the service's SQLite client with the statement cache", () => {
  let client: Prisma;

  beforeAll(async () => {
    const url = `file:${path.join(mkdtempSync(path.join(os.tmpdir(), "stmt-cache-")), "hs.db")}`;
    await applyPendingMigrations(url);
    client = createDatabase(url);
  });

  afterAll(async () => {
    await client?.$disconnect();
  });

  it("answers repeated queries with their own arguments, in and out of transactions", async () => {
    for (const name of ["ann", "ben", "cat"]) {
      await client.user.create({ data: { userId: `@${name}:test.local`, userIdLower: `@${name}:test.local`, lowerIdClaim: `@${name}:test.local` } });
    }
    for (const name of ["ann", "ben", "cat"]) {
      expect((await client.user.findUnique({ where: { userId: `@${name}:test.local` } }))?.userId).toBe(`@${name}:test.local`);
    }
    await client.$transaction([
      client.user.updateMany({ where: { userId: "@ann:test.local" }, data: { displayName: "Ann" } }),
      client.user.updateMany({ where: { userId: "@ben:test.local" }, data: { displayName: "Ben" } }),
    ]);
    const names = await client.user.findMany({ orderBy: { userId: "asc" }, select: { displayName: true } });
    expect(names.map((row) => row.displayName)).toEqual(["Ann", "Ben", null]);
  });

  it("still reports a unique violation as such", async () => {
    const data = { userId: "@dup:test.local", userIdLower: "@dup:test.local", lowerIdClaim: "@dup:test.local" };
    await client.user.create({ data });
    const error = await client.user.create({ data }).catch((caught: unknown) => caught);
    expect(isUniqueViolation(error)).toBe(true);
    expect(await client.user.count({ where: { userIdLower: "@dup:test.local" } })).toBe(1);
  });
});
