import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../../test-support/eventually";
import { SQLITE_PAGE_CACHE_KIB } from "./adapter";
import { createDatabase } from "./client";
import { checkpointedFiles, checkpointerActivity, SERVER_AUTOCHECKPOINT_PAGES, startSqliteCheckpointer } from "./sqlite-checkpointer";

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function scratchFile(): string {
  const directory = mkdtempSync(path.join(os.tmpdir(), "checkpointer-"));
  directories.push(directory);
  return path.join(directory, "homeserver.db");
}

/** A connection as the server's: WAL, and (here) no automatic checkpoint of its own at all. */
function writerWithoutCheckpoints(file: string): Database.Database {
  const connection = new Database(file, { timeout: 5000 });
  connection.pragma("journal_mode = WAL");
  connection.pragma("synchronous = NORMAL");
  connection.pragma("wal_autocheckpoint = 0");
  connection.exec("CREATE TABLE tokens (token TEXT PRIMARY KEY, user_id TEXT NOT NULL)");
  return connection;
}

function commitLogins(connection: Database.Database, count: number): void {
  const insert = connection.prepare("INSERT INTO tokens (token, user_id) VALUES (?, ?)");
  for (let n = 0; n < count; n++) insert.run(`token-${n}-${Math.random()}`, `@user${n}:example.org`);
}

/**
 * Rows in the database file itself: a copy of it without its log sees only checkpointed pages. A
 * copy taken while the thread writes pages into the file can be torn: that answers -1 (ask again).
 */
function rowsInDatabaseFile(file: string): number {
  const copy = `${file}.copy`;
  copyFileSync(file, copy);
  const connection = new Database(copy, { readonly: true });
  try {
    const tables = connection.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'tokens'").get() as { n: number };
    if (tables.n === 0) return 0;
    return (connection.prepare("SELECT count(*) AS n FROM tokens").get() as { n: number }).n;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "SQLITE_CORRUPT" || code === "SQLITE_NOTADB") return -1;
    throw error;
  } finally {
    connection.close();
    rmSync(copy, { force: true });
  }
}

describe("the WAL checkpoint thread", () => {
  it("copies committed pages into the database file while the committing connection never checkpoints", async () => {
    const file = scratchFile();
    const writer = writerWithoutCheckpoints(file);
    const checkpointer = startSqliteCheckpointer(file);
    try {
      commitLogins(writer, 300);
      expect(await eventually(() => rowsInDatabaseFile(file), (rows) => rows === 300)).toBe(300);
      // It keeps watching: later commits get there too.
      commitLogins(writer, 200);
      expect(await eventually(() => rowsInDatabaseFile(file), (rows) => rows === 500)).toBe(500);
    } finally {
      await checkpointer.release();
      writer.close();
    }
  });

  it("without it, those commits stay in the log only (what the test above would see if the thread did nothing)", async () => {
    const file = scratchFile();
    const writer = writerWithoutCheckpoints(file);
    try {
      commitLogins(writer, 300);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(rowsInDatabaseFile(file)).toBe(0);
    } finally {
      writer.close();
    }
  });

  it("flushes the pages it copied to the disk itself, and only after checkpoints that copied some", async () => {
    // Otherwise the pages wait in the kernel's cache for the serving connection's own checkpoint,
    // whose fsync then writes them all back on the event loop (the comment on SYNC_INTERVAL_MS).
    const file = scratchFile();
    const writer = writerWithoutCheckpoints(file);
    const checkpointer = startSqliteCheckpointer(file);
    try {
      commitLogins(writer, 300);
      const busy = await eventually(() => checkpointerActivity(file)!, (activity) => activity.flushes > 0);
      expect(busy.copyingCheckpoints).toBeGreaterThan(0);
      expect(busy.flushes).toBeGreaterThan(0);
      expect(busy.flushes).toBeLessThanOrEqual(busy.copyingCheckpoints);
      // Once everything is copied and flushed, an idle database is left alone.
      await eventually(() => rowsInDatabaseFile(file), (rows) => rows === 300);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const settled = checkpointerActivity(file)!;
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(checkpointerActivity(file)).toEqual(settled);
    } finally {
      await checkpointer.release();
      writer.close();
    }
    expect(checkpointerActivity(file)).toBeNull();
  });

  it("is shared by the connections to one file and stops with the last of them", async () => {
    const file = scratchFile();
    const first = startSqliteCheckpointer(file);
    const second = startSqliteCheckpointer(file);
    expect(checkpointedFiles().filter((running) => running === file)).toHaveLength(1);
    await first.release();
    expect(checkpointedFiles()).toContain(file);
    await second.release();
    expect(checkpointedFiles()).not.toContain(file);
  });

  it("tells its connections when it cannot run, so they checkpoint often again themselves", async () => {
    const file = path.join(scratchFile(), "no-such-directory", "homeserver.db");
    let told = 0;
    const checkpointer = startSqliteCheckpointer(file, () => (told += 1));
    expect(await eventually(() => told, (count) => count > 0)).toBe(1);
    expect(checkpointedFiles()).not.toContain(file);
    await checkpointer.release();
  });
});

describe("the serving client on SQLite", () => {
  it("runs the thread while connected, checkpoints rarely itself, and stops the thread on disconnect", async () => {
    const file = scratchFile();
    const database = createDatabase(`file:${file}`);
    try {
      const [setting] = await database.$queryRawUnsafe<{ wal_autocheckpoint: number | bigint }[]>("PRAGMA wal_autocheckpoint");
      expect(Number(setting.wal_autocheckpoint)).toBe(SERVER_AUTOCHECKPOINT_PAGES);
      expect(checkpointedFiles()).toContain(file);
    } finally {
      await database.$disconnect();
    }
    expect(checkpointedFiles()).not.toContain(file);
  });

  it("leaves its own checkpoint, which stalls the event loop, to once per ~2,700 token logins", () => {
    // A token login on the bench's 1M-user file writes ~12 log frames (strace of the server: 24
    // pwrite calls per login, a frame header and a page each). At 1,500 logins/s with 16 clients, a
    // 10–50 ms stall more often than every ~1.5 s delays more than 1 % of the requests and sets
    // the p99 (BENCHMARKS.md, "the server's own checkpoint": 8,000 pages gave a p99 of 30–50 ms).
    const framesPerTokenLogin = 12;
    const loginsPerSecond = 1_500;
    expect(SERVER_AUTOCHECKPOINT_PAGES / framesPerTokenLogin / loginsPerSecond).toBeGreaterThan(1.5);
  });

  it("keeps SQLite's own 2 MB page cache, not the driver's 16 MB, which filled as the file grew", async () => {
    const file = scratchFile();
    const plain = new Database(file);
    expect(plain.pragma("cache_size", { simple: true })).toBe(-16000);
    plain.close();
    const database = createDatabase(`file:${file}`);
    try {
      const [setting] = await database.$queryRawUnsafe<{ cache_size: number | bigint }[]>("PRAGMA cache_size");
      expect(Number(setting.cache_size)).toBe(-SQLITE_PAGE_CACHE_KIB);
      expect(SQLITE_PAGE_CACHE_KIB).toBe(2000);
    } finally {
      await database.$disconnect();
    }
  });
});
