// If the checkpoint thread stops, the serving connection must checkpoint often again by itself: at
// its raised threshold (lib/db/sqlite-checkpointer.ts, 32,000 pages) each of its own checkpoints
// would copy and fsync up to ~128 MB on the event loop.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { eventually } from "../../test-support/eventually";
import { createDatabase } from "./client";

vi.mock("./sqlite-checkpointer", async (importOriginal) => {
  const original = await importOriginal<typeof import("./sqlite-checkpointer")>();
  return {
    ...original,
    // A thread that fails as soon as it starts, as a worker that cannot load the driver would.
    startSqliteCheckpointer: (_file: string, onStopped?: () => void) => {
      setTimeout(() => onStopped?.(), 0);
      return { release: async () => undefined };
    },
  };
});

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe("the serving client on SQLite, when the checkpoint thread stops", () => {
  it("goes back to SQLite's own threshold of 1,000 pages", async () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), "checkpoint-fallback-"));
    directories.push(directory);
    const database = createDatabase(`file:${path.join(directory, "homeserver.db")}`);
    try {
      const threshold = async () =>
        Number((await database.$queryRawUnsafe<{ wal_autocheckpoint: number | bigint }[]>("PRAGMA wal_autocheckpoint"))[0].wal_autocheckpoint);
      expect(await eventually(threshold, (value) => value === 1000, 5)).toBe(1000);
    } finally {
      await database.$disconnect();
    }
  });
});
