// The driver adapters the schema engine reaches the database through: the runtime client's own
// (lib/db/adapter.ts), adjusted where the engine asks more of them than Prisma Client does —
// whole migration scripts, a session-level advisory lock, system catalog types, a shadow database —
// and tracked so that every connection the engine opens is closed when it is done.
import { randomUUID } from "node:crypto";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { createAdapterFactory, databaseProviderOf } from "./adapter";
import { betterSqlite3Adapter, pgAdapter, pgDriver } from "./driver-packages";

/**
 * Wraps a driver adapter factory so that every connection the engine opens through it is
 * closed once the engine is done (connection pools would otherwise keep the process alive).
 */
export function trackingFactory(inner: SqlMigrationAwareDriverAdapterFactory) {
  const open = new Set<SqlDriverAdapter>();
  const track = (adapter: SqlDriverAdapter): SqlDriverAdapter => {
    open.add(adapter);
    const dispose = adapter.dispose.bind(adapter);
    let disposed: Promise<void> | undefined;
    // Dispose at most once, whether the engine or we call it first.
    adapter.dispose = () => {
      open.delete(adapter);
      return (disposed ??= dispose());
    };
    return adapter;
  };
  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: async () => track(await inner.connect()),
    connectToShadowDb: async () => track(await inner.connectToShadowDb()),
  };
  const closeAll = async () => {
    for (const adapter of [...open]) {
      await adapter.dispose().catch(() => undefined);
    }
  };
  return { factory, closeAll };
}

/**
 * SQLite through @prisma/adapter-better-sqlite3 (`file:` URL, or ":memory:"); the shadow
 * database is always in memory.
 */
export function sqliteEngineFactory(databaseUrl: string | ":memory:"): SqlMigrationAwareDriverAdapterFactory {
  const inner =
    databaseUrl === ":memory:" ? new (betterSqlite3Adapter().PrismaBetterSqlite3)({ url: ":memory:" }) : createAdapterFactory(databaseUrl);
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: () => inner.connect(),
    connectToShadowDb: async () => {
      const shadow = await inner.connectToShadowDb();
      acceptScriptsInExecuteRaw(shadow);
      return shadow;
    },
  };
}

/**
 * The engine replays migrations on a shadow database by passing each whole migration.sql to
 * `executeRaw`, but better-sqlite3 prepares one statement at a time and rejects the script
 * (before running any of it). Run such scripts with `executeScript` instead.
 */
function acceptScriptsInExecuteRaw(adapter: SqlDriverAdapter): void {
  const executeRaw = adapter.executeRaw.bind(adapter);
  adapter.executeRaw = async (query) => {
    try {
      return await executeRaw(query);
    } catch (error) {
      const message = `${(error as Error)?.message ?? ""} ${JSON.stringify((error as { cause?: unknown })?.cause ?? "")}`;
      if (query.args.length > 0 || !/more than one statement/i.test(message)) throw error;
      await adapter.executeScript(query.sql);
      return 0;
    }
  };
}

function postgresDatabaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/**
 * PostgreSQL through @prisma/adapter-pg, set up for the engine:
 * - one connection per pool (and no idle timeout), so the session-level advisory lock the engine
 *   takes before applying migrations covers everything it then does, and lasts until we close it;
 * - migration scripts run as one simple-protocol query (PostgreSQL runs it in one implicit
 *   transaction), as the native engine does, rather than split on ";" by the adapter;
 * - system catalog types the adapter doesn't know are read as text;
 * - the shadow database is a temporary database created on the server of `url` and dropped
 *   afterwards. (The adapter's own connectToShadowDb can't be used: with a connection string it
 *   connects to the database of the URL, not the one it just created.)
 */
export class PostgresEngineFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = "postgres" as const;
  readonly adapterName: string;

  constructor(private readonly url: string) {
    this.adapterName = new (pgAdapter().PrismaPg)({ connectionString: url }).adapterName;
  }

  private async open(url: string): Promise<SqlDriverAdapter> {
    const adapter = await new (pgAdapter().PrismaPg)({ connectionString: url, max: 1, idleTimeoutMillis: 0 }).connect();
    runScriptsAsOneQuery(adapter);
    readCatalogTypesAsText(adapter);
    return adapter;
  }

  connect(): Promise<SqlDriverAdapter> {
    return this.open(this.url);
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const name = `prisma_migrate_shadow_db_${randomUUID()}`;
    await this.admin(`CREATE DATABASE "${name}"`);
    let shadow: SqlDriverAdapter;
    try {
      shadow = await this.open(postgresDatabaseUrl(this.url, name));
    } catch (error) {
      await this.admin(`DROP DATABASE IF EXISTS "${name}"`).catch(() => undefined);
      throw error;
    }
    const dispose = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      try {
        await dispose();
      } finally {
        await this.admin(`DROP DATABASE IF EXISTS "${name}"`);
      }
    };
    return shadow;
  }

  /** Runs one statement on a connection of its own (CREATE/DROP DATABASE). */
  private async admin(sql: string): Promise<void> {
    const client = new (pgDriver().Client)({ connectionString: this.url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }
}

type PgQueryableInternals = {
  performIO?: (query: unknown) => Promise<{ fields?: { dataTypeID: number }[] }>;
  onError?: (error: unknown) => never;
  startTransaction?: (...args: unknown[]) => Promise<unknown>;
  underlyingDriver?: () => { query(sql: string): Promise<unknown> };
};

/** Makes `executeScript` send the whole script as one simple query (see PostgresEngineFactory). */
function runScriptsAsOneQuery(adapter: SqlDriverAdapter): void {
  const internals = adapter as unknown as PgQueryableInternals;
  const driver = internals.underlyingDriver?.();
  if (!driver || typeof driver.query !== "function") return;
  adapter.executeScript = async (script: string) => {
    try {
      // No parameters: pg uses the simple query protocol, which accepts several statements.
      await driver.query(script);
    } catch (error) {
      if (typeof internals.onError === "function") internals.onError.call(adapter, error);
      throw error;
    }
  };
}

// PostgreSQL types of system catalog columns that @prisma/adapter-pg doesn't map to a column type
// (it rejects the whole result as "unsupported"), yet the engine reads when it describes a schema
// or takes its advisory lock: "char", regproc, xid, pg_node_tree, regclass, regtype, void. pg
// hands their values over as text, so reporting them as text is exact.
const CATALOG_TEXT_TYPE_OIDS = new Set([18, 24, 28, 194, 2205, 2206, 2278]);
const TEXT_TYPE_OID = 25;

/**
 * Makes an @prisma/adapter-pg connection (and its transactions) report the catalog types above as
 * text. This reaches into the adapter's `performIO` (pinned version); if that ever disappears the
 * connection is left as it is.
 */
function readCatalogTypesAsText(queryable: object): void {
  const target = queryable as PgQueryableInternals;
  const performIO = target.performIO;
  if (typeof performIO === "function") {
    target.performIO = async function (this: unknown, query: unknown) {
      const result = await performIO.call(this, query);
      for (const field of result?.fields ?? []) {
        if (CATALOG_TEXT_TYPE_OIDS.has(field.dataTypeID)) field.dataTypeID = TEXT_TYPE_OID;
      }
      return result;
    };
  }
  const startTransaction = target.startTransaction;
  if (typeof startTransaction === "function") {
    target.startTransaction = async function (this: unknown, ...args: unknown[]) {
      const transaction = await startTransaction.apply(this, args);
      if (transaction && typeof transaction === "object") readCatalogTypesAsText(transaction);
      return transaction;
    };
  }
}

/** The engine's driver adapter factory for a database URL. */
export function engineFactoryFor(databaseUrl: string): SqlMigrationAwareDriverAdapterFactory {
  return databaseProviderOf(databaseUrl) === "sqlite"
    ? sqliteEngineFactory(databaseUrl)
    : new PostgresEngineFactory(databaseUrl);
}
