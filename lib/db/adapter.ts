// Chooses the Prisma driver adapter from DATABASE_URL: `file:` is SQLite (better-sqlite3),
// `postgres://` / `postgresql://` is PostgreSQL (pg). Both the runtime client and the migration
// runner go through here, so they always talk to the same database the same way.
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import type { PrismaPg } from "@prisma/adapter-pg";
import { logger } from "../logging/logger";
import { betterSqlite3Adapter, pgAdapter } from "./driver-packages";
import { cachePreparedStatements } from "./sqlite-statement-cache";
import { SERVER_AUTOCHECKPOINT_PAGES, startSqliteCheckpointer } from "./sqlite-checkpointer";
import { gateStatementsOnTransactions, type SqliteConnection } from "./sqlite-transaction-gate";

/** SQLite's own default page cache size per connection, in KiB (see createAdapterFactory). */
export const SQLITE_PAGE_CACHE_KIB = 2000;

export type DatabaseProvider = "sqlite" | "postgresql";

export const DEFAULT_DATABASE_URL = "file:./data/homeserver.db";

export function databaseProviderOf(databaseUrl: string): DatabaseProvider {
  if (databaseUrl.startsWith("file:")) return "sqlite";
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return "postgresql";
  throw new Error(
    `DATABASE_URL must start with "file:" (SQLite) or "postgresql://" (PostgreSQL), got "${databaseUrl.split(":")[0]}:…"`,
  );
}

/** The SQLite file a `file:` URL names, resolved against the working directory. */
export function sqliteFilePath(databaseUrl: string): string {
  const withoutScheme = databaseUrl.slice("file:".length).split("?")[0];
  return path.resolve(/* turbopackIgnore: true */ withoutScheme);
}

export interface AdapterOptions {
  /**
   * SQLite: run WAL checkpoints in a worker thread (lib/db/sqlite-checkpointer.ts) instead of on
   * the event loop. For the serving client; one-off connections (migrations, CLIs) need none.
   */
  checkpointThread?: boolean;
}

export function createAdapterFactory(databaseUrl: string, options: AdapterOptions = {}): PrismaBetterSqlite3 | PrismaPg {
  if (databaseProviderOf(databaseUrl) === "sqlite") {
    const file = sqliteFilePath(databaseUrl);
    mkdirSync(path.dirname(file), { recursive: true });
    // A busy timeout lets several connections (server, CLI, tests) share one file without
    // failing on a momentary write lock.
    const factory = new (betterSqlite3Adapter().PrismaBetterSqlite3)({ url: file, timeout: 5000 });
    // Write-ahead logging: readers never wait for a writer, and a commit appends to the log instead
    // of rewriting pages under a full fsync (synchronous=NORMAL is still durable across crashes
    // of the process; only an OS crash can lose the last commits).
    const connect = factory.connect.bind(factory);
    factory.connect = async () => {
      const adapter = await connect();
      // The adapter keeps its better-sqlite3 connection as `client` (checked, in case that changes).
      const connection = (adapter as unknown as { client?: SqliteConnection & { prepare?: unknown } }).client;
      if (!connection || typeof connection.prepare !== "function" || typeof connection.exec !== "function") {
        throw new Error("@prisma/adapter-better-sqlite3 no longer exposes its connection as `client`: update lib/db/adapter.ts");
      }
      // One connection: another request's statement must not run inside an open transaction.
      gateStatementsOnTransactions(adapter, connection);
      // better-sqlite3 builds SQLite with a 16 MB page cache per connection instead of SQLite's
      // 2 MB, and as the file grows the cache fills and stays full: ~10 MB of the server's peak
      // resident memory in `npm run bench` (BENCHMARKS.md). A page missing from it is read from the
      // kernel's page cache, which holds the file anyway.
      await adapter.executeScript(`PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -${SQLITE_PAGE_CACHE_KIB};`);
      if (options.checkpointThread) {
        // Checkpoints move to a thread (lib/db/sqlite-checkpointer.ts); this connection's own are
        // rarer, short, and what bounds the log.
        const checkpointer = startSqliteCheckpointer(file, () => {
          adapter.executeScript("PRAGMA wal_autocheckpoint = 1000;").catch(() => undefined);
        });
        await adapter.executeScript(`PRAGMA wal_autocheckpoint = ${SERVER_AUTOCHECKPOINT_PAGES};`);
        const dispose = adapter.dispose.bind(adapter);
        adapter.dispose = async () => {
          await dispose();
          await checkpointer.release();
        };
      }
      cachePreparedStatements(connection as { prepare(sql: string): unknown });
      return adapter;
    };
    return factory;
  }
  return new (pgAdapter().PrismaPg)(
    {
      connectionString: databaseUrl,
      max: 10,
      // While the database is unreachable, requests fail within seconds (a 5xx answer) instead of
      // waiting for a connection forever; the pool reconnects by itself when the database is back.
      connectionTimeoutMillis: 5_000,
      query_timeout: 30_000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
    },
    {
      onPoolError: (error) => logger.warn(`database: idle connection failed (${error.message}); it will be replaced`),
      onConnectionError: (error) => logger.warn(`database: connection failed during a transaction (${error.message})`),
    },
  );
}
