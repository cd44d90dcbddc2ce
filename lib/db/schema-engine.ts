// Creates and applies database migrations with Prisma's own schema engine, compiled to
// WebAssembly (@prisma/schema-engine-wasm), talking to the database through the same driver
// adapters as the runtime client (lib/db/adapter.ts). Prisma 7's CLI would need its native
// schema engine binary for `prisma migrate`, which can't be downloaded everywhere; the Wasm build
// is the same engine, so migrations are read from and recorded in exactly the places
// `prisma migrate deploy` uses (prisma/migrations/<timestamp>_<name>/migration.sql and the
// `_prisma_migrations` table) and the two stay interchangeable.
//
// Migration directories (resolved from the working directory, i.e. the project root):
//   SQLite     → prisma/migrations/
//   PostgreSQL → prisma/postgresql/migrations/
//
// Creating a migration replays the existing migrations on a shadow database and diffs the result
// against the schema file. For SQLite the shadow database is in memory. For PostgreSQL the engine
// needs a real server: pass `shadowDatabaseUrl` (or set SHADOW_DATABASE_URL) to any database on a
// server where that role may CREATE DATABASE; a temporary `prisma_migrate_shadow_db_<uuid>` database
// is created there and dropped afterwards, nothing else is touched.
import { randomUUID } from "node:crypto";
import { existsSync, promises as fs } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import type {
  MigrationDirectory,
  MigrationList,
  SchemaEngine,
  SchemaFilter,
} from "@prisma/schema-engine-wasm/schema_engine_bg";
import { createAdapterFactory, databaseProviderOf, sqliteFilePath, type DatabaseProvider } from "./adapter";

export type { DatabaseProvider } from "./adapter";

type EngineModule = typeof import("@prisma/schema-engine-wasm/schema_engine_bg");

const ENGINE_PACKAGE = "@prisma/schema-engine-wasm";
const LOCKFILE_NAME = "migration_lock.toml";
const MIGRATION_FILE_NAME = "migration.sql";
const NO_FILTER: SchemaFilter = { externalTables: [], externalEnums: [] };

/** Where a provider's migrations live, relative to the project root. */
export const MIGRATIONS_DIRS: Record<DatabaseProvider, string> = {
  sqlite: path.join("prisma", "migrations"),
  postgresql: path.join("prisma", "postgresql", "migrations"),
};

/** The Prisma schema file each provider's migrations are created from. */
export const SCHEMA_FILES: Record<DatabaseProvider, string> = {
  sqlite: path.join("prisma", "schema.prisma"),
  postgresql: path.join("prisma", "postgresql", "schema.prisma"),
};

export function migrationsDirFor(provider: DatabaseProvider, projectRoot: string = process.cwd()): string {
  return path.resolve(/* turbopackIgnore: true */ projectRoot, MIGRATIONS_DIRS[provider]);
}

export function schemaFileFor(provider: DatabaseProvider, projectRoot: string = process.cwd()): string {
  return path.resolve(/* turbopackIgnore: true */ projectRoot, SCHEMA_FILES[provider]);
}

// ---------------------------------------------------------------------------------------------
// Loading the engine
// ---------------------------------------------------------------------------------------------

// Process-wide state lives on globalThis so that a module loaded twice (Next.js dev reloads,
// bundles and tests importing it separately) still shares one Wasm instance and one queue.
interface LoadedEngine {
  glue: EngineModule;
  /** Lets go of the instance (its compiled code and linear memory) so that GC can reclaim it. */
  unload(): void;
}
interface SharedState {
  engine?: Promise<LoadedEngine>;
  queue: Promise<unknown>;
  timers: Set<NodeJS.Timeout>;
}
// (".v2": the engine promise's value changed shape; a dev reload must not pick up an older copy's.)
const STATE_KEY = Symbol.for("homeserver.schemaEngineWasm.v2");
const shared: SharedState = ((globalThis as Record<symbol, SharedState>)[STATE_KEY] ??= {
  queue: Promise.resolve(),
  timers: new Set(),
});
shared.timers ??= new Set(); // state left by an older copy of this module (dev reloads)

/** The path of a file of the engine package, found from the project root (or this module). */
function resolveEngineFile(file: string): string {
  const bases = [path.join(/* turbopackIgnore: true */ process.cwd(), "package.json")];
  if (typeof __filename === "string") bases.push(__filename);
  for (const base of bases) {
    try {
      // `./schema_engine_bg` is an exported subpath; the package doesn't export package.json.
      const bgJs = createRequire(base).resolve(`${ENGINE_PACKAGE}/schema_engine_bg`);
      return path.join(path.dirname(bgJs), file);
    } catch {
      // try the next base
    }
  }
  const fallback = path.join(/* turbopackIgnore: true */ process.cwd(), "node_modules", ...ENGINE_PACKAGE.split("/"), file);
  if (existsSync(fallback)) return fallback;
  throw new Error(`Cannot find ${ENGINE_PACKAGE} (looked for ${file}); is it installed?`);
}

/**
 * On a Rust panic the engine stores the message here before throwing. Made outside
 * instantiateEngine on purpose: closures created there would keep its scope, and with it the
 * instance, alive for good.
 */
function installPanicRegistry(): void {
  const globals = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { message: string; get(): string; set_message(m: string): void } };
  globals.PRISMA_WASM_PANIC_REGISTRY ??= {
    message: "",
    get() {
      return this.message;
    },
    set_message(message: string) {
      this.message = `RuntimeError: ${message}`;
    },
  };
}

/**
 * The engine's JS glue, evaluated while FinalizationRegistry is hidden. The glue registers every
 * Rust closure it hands to JS in a registry of its own whose entries reference the instance, and
 * some of those closures are never dropped by the engine: the instance, its code and its memory
 * could never be collected (a heap snapshot shows that path after a migration). Without FinalizationRegistry the
 * glue uses no-ops (it supports runtimes that lack one): engines are freed explicitly (withEngine),
 * and closures leak only into an instance that is itself released. require() evaluates the module
 * synchronously, so no other code can run while the global is hidden (an ES module loaded with
 * require(): Node 20.19 or later).
 */
function requireGlue(): EngineModule {
  const globals = globalThis as { FinalizationRegistry?: unknown };
  const finalizationRegistry = globals.FinalizationRegistry;
  globals.FinalizationRegistry = undefined;
  try {
    return require("@prisma/schema-engine-wasm/schema_engine_bg") as EngineModule;
  } finally {
    globals.FinalizationRegistry = finalizationRegistry;
  }
}

async function instantiateEngine(): Promise<LoadedEngine> {
  // The package's main entry does `import * as wasm from "./schema_engine_bg.wasm"`, which Node
  // can't import. Its JS glue (schema_engine_bg.js) is an ordinary ES module, though: instantiate
  // the .wasm with the glue as its import object and hand the instance to the glue, as the entry
  // module would.
  const glue = requireGlue();
  const bytes = await fs.readFile(resolveEngineFile("schema_engine_bg.wasm"));
  const compiled = await WebAssembly.compile(bytes);
  // The wasm-bindgen output imports everything from one namespace named after the glue file
  // ("./schema_engine_bg.js"); read it from the module rather than hard-coding it.
  const namespaces = [...new Set(WebAssembly.Module.imports(compiled).map((entry) => entry.module))];
  // Same functions, except that the engine's timers are remembered: it leaves timeouts (e.g. 10 s
  // around taking PostgreSQL's advisory lock) pending after the work they guard is done, and those
  // would keep a CLI process alive. withEngine clears them once the engine is done.
  const functions: Record<string, unknown> = { ...(glue as unknown as Record<string, unknown>) };
  for (const name of Object.keys(functions).filter((key) => key.startsWith("__wbg_setTimeout_"))) {
    const original = functions[name] as (callback: () => void, ms: number) => NodeJS.Timeout;
    functions[name] = (callback: () => void, ms: number) => {
      const timer = original(() => {
        shared.timers.delete(timer);
        callback();
      }, ms);
      shared.timers.add(timer);
      return timer;
    };
  }
  const imports: WebAssembly.Imports = {};
  for (const namespace of namespaces) imports[namespace] = functions as WebAssembly.ModuleImports;
  const instance = await WebAssembly.instantiate(compiled, imports);

  installPanicRegistry();
  const raw = glue as unknown as { __wbg_set_wasm(exports: unknown): void };
  raw.__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
  const unload = () => {
    // The glue is a cached ES module that keeps the instance's exports and typed-array views of
    // its memory for good. Growing the memory by nothing detaches the buffer under those views
    // (the glue makes new ones for a later instance), and dropping the exports leaves nothing
    // holding the instance.
    (instance.exports.memory as WebAssembly.Memory).grow(0);
    raw.__wbg_set_wasm(undefined);
  };
  return { glue, unload };
}

function loadEngine(): Promise<LoadedEngine> {
  if (!shared.engine) {
    shared.engine = instantiateEngine();
    shared.engine.catch(() => {
      shared.engine = undefined;
    });
  }
  return shared.engine;
}

/** Loads and starts the Wasm schema engine once per process (again after releaseSchemaEngine). */
export async function loadSchemaEngineModule(): Promise<EngineModule> {
  return (await loadEngine()).glue;
}

/**
 * Lets the engine's compiled code and memory go once the work queued before this call is done
 * (the server's resident memory after start-up: 112 → 106 MB). The service needs the engine only
 * to migrate at start-up; a later job loads it again.
 */
export function releaseSchemaEngine(): Promise<void> {
  return serialized(async () => {
    const engine = shared.engine;
    shared.engine = undefined;
    (await engine?.catch(() => undefined))?.unload();
  });
}

/** The version (commit) of the schema engine in use. */
export async function schemaEngineVersion(): Promise<string> {
  return (await loadSchemaEngineModule()).version();
}

/** Runs engine work one job at a time in this process. */
function serialized<T>(job: () => Promise<T>): Promise<T> {
  const run = shared.queue.then(job, job);
  shared.queue = run.catch(() => undefined);
  return run;
}

// ---------------------------------------------------------------------------------------------
// Driver adapters for the engine
// ---------------------------------------------------------------------------------------------

/**
 * Wraps a driver adapter factory so that every connection the engine opens through it is
 * closed once the engine is done (connection pools would otherwise keep the process alive).
 */
function trackingFactory(inner: SqlMigrationAwareDriverAdapterFactory) {
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
function sqliteEngineFactory(databaseUrl: string | ":memory:"): SqlMigrationAwareDriverAdapterFactory {
  const inner =
    databaseUrl === ":memory:" ? new PrismaBetterSqlite3({ url: ":memory:" }) : createAdapterFactory(databaseUrl);
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
class PostgresEngineFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = "postgres" as const;
  readonly adapterName: string;

  constructor(private readonly url: string) {
    this.adapterName = new PrismaPg({ connectionString: url }).adapterName;
  }

  private async open(url: string): Promise<SqlDriverAdapter> {
    const adapter = await new PrismaPg({ connectionString: url, max: 1, idleTimeoutMillis: 0 }).connect();
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
    const client = new pg.Client({ connectionString: this.url });
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
function engineFactoryFor(databaseUrl: string): SqlMigrationAwareDriverAdapterFactory {
  return databaseProviderOf(databaseUrl) === "sqlite"
    ? sqliteEngineFactory(databaseUrl)
    : new PostgresEngineFactory(databaseUrl);
}

// ---------------------------------------------------------------------------------------------
// Running the engine
// ---------------------------------------------------------------------------------------------

export class SchemaEngineError extends Error {
  readonly code?: string;
  constructor(message: string, code?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SchemaEngineError";
    this.code = code;
  }
}

interface ErrorRegistryLike {
  consumeError(id: number): { error: unknown } | undefined;
}

/** Turns what the engine threw into an Error with a readable message. */
function engineError(error: unknown, registry: ErrorRegistryLike, action: string): Error {
  // A failure inside the driver adapter is kept in the registry and referenced by id.
  const id = (error as { id?: unknown; cause?: { id?: unknown } } | null)?.id;
  if (typeof id === "number") {
    const record = registry.consumeError(id);
    if (record?.error instanceof Error) return record.error;
  }
  if (error instanceof WebAssembly.RuntimeError) {
    // Nothing is safe to call on an instance that panicked: the next job starts a new one.
    shared.engine = undefined;
    const panic = (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { get(): string } }).PRISMA_WASM_PANIC_REGISTRY?.get();
    return new SchemaEngineError(`${action}: the schema engine panicked: ${panic || error.message}`, undefined, { cause: error });
  }
  if (error && typeof error === "object") {
    const { message, code } = error as { message?: unknown; code?: unknown };
    if (typeof message === "string") {
      // Drop the engine's span trace ("   0: schema_engine_wasm::…"); it stays on `cause`.
      // Errors of the driver adapter appear as "External error id#N": put their text in.
      const text = message
        .split(/\n\s+0: /)[0]
        .trimEnd()
        .replace(/External error id#(\d+)/g, (whole, n: string) => {
          const inner = registry.consumeError(Number(n))?.error;
          return inner instanceof Error ? inner.message : inner ? JSON.stringify(inner) : whole;
        });
      // @prisma/adapter-better-sqlite3 reports SQLITE_BUSY as a kind the engine can't decode.
      const busy = /unknown variant `SocketTimeout`/.test(text)
        ? " (the database stayed locked by another connection for too long)"
        : "";
      // The failing migration is named in that trace only; keep it.
      const migration = /migration_name="([^"]+)"/.exec(message)?.[1];
      const where = migration && !text.includes(migration) ? ` (migration ${migration})` : "";
      return new SchemaEngineError(
        `${action}: ${typeof code === "string" ? `${code}: ` : ""}${text}${busy}${where}`,
        typeof code === "string" ? code : undefined,
        { cause: error },
      );
    }
  }
  return new SchemaEngineError(`${action}: ${String(error)}`, undefined, { cause: error });
}

/** Starts an engine over `adapterFactory`, runs `job` with it and releases everything afterwards. */
async function withEngine<T>(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  action: string,
  job: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  const { SchemaEngine } = await loadSchemaEngineModule();
  const { factory, closeAll } = trackingFactory(adapterFactory);
  const bound = bindMigrationAwareSqlAdapterFactory(factory);
  const log = (message: string) => {
    if (process.env.DEBUG_SCHEMA_ENGINE) process.stderr.write(`[schema-engine] ${message}\n`);
  };
  let engine: SchemaEngine | undefined;
  try {
    // No initial schema: the commands used here take their schemas as input.
    engine = await SchemaEngine.new({ datamodels: undefined }, log, bound);
    return await job(engine);
  } catch (error) {
    throw engineError(error, bound.errorRegistry, action);
  } finally {
    try {
      engine?.free();
    } finally {
      await closeAll();
      // Engine work is serialized (see `serialized`), so every pending engine timer is this job's.
      for (const timer of shared.timers) clearTimeout(timer);
      shared.timers.clear();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Migrations directory
// ---------------------------------------------------------------------------------------------

/**
 * Reads a migrations directory into the engine's input, as Prisma's CLI does: every
 * sub-directory is a migration (its `migration.sql`), in name order, plus the lock file.
 */
export async function readMigrationsList(migrationsDir: string): Promise<MigrationList> {
  const baseDir = path.resolve(migrationsDir);
  const lockContent = await fs.readFile(path.join(baseDir, LOCKFILE_NAME), "utf8").catch(() => null);
  const entries = await fs.readdir(baseDir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  const migrationDirectories: MigrationDirectory[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const content = await fs
      .readFile(path.join(baseDir, entry.name, MIGRATION_FILE_NAME), "utf8")
      .then((value) => ({ tag: "ok" as const, value }))
      .catch((error: Error) => ({ tag: "error" as const, value: error.message }));
    migrationDirectories.push({ path: entry.name, migrationFile: { path: MIGRATION_FILE_NAME, content } });
  }
  migrationDirectories.sort((a, b) => a.path.localeCompare(b.path));
  return {
    baseDir,
    lockfile: { path: LOCKFILE_NAME, content: lockContent },
    shadowDbInitScript: "",
    migrationDirectories,
  };
}

// ---------------------------------------------------------------------------------------------
// Applying migrations
// ---------------------------------------------------------------------------------------------

const SQLITE_LOCK_TIMEOUT_MS = 120_000;

/**
 * Holds an exclusive lock on `<database file>.migrate-lock` while `job` runs, so that two
 * processes migrating the same SQLite file take turns (PostgreSQL needs none of this: the engine
 * takes an advisory lock there). The lock is an SQLite write lock on that side file, so the OS
 * releases it if the holder dies. The side file is left in place: removing it would race.
 */
async function withSqliteMigrationLock<T>(databaseFile: string, job: () => Promise<T>): Promise<T> {
  await fs.mkdir(path.dirname(databaseFile), { recursive: true });
  const lock = new Database(`${databaseFile}.migrate-lock`, { timeout: 0 });
  try {
    const deadline = Date.now() + SQLITE_LOCK_TIMEOUT_MS;
    for (;;) {
      try {
        lock.exec("BEGIN EXCLUSIVE");
        break;
      } catch (error) {
        const code = (error as { code?: string }).code ?? "";
        if (!code.startsWith("SQLITE_BUSY") && !code.startsWith("SQLITE_LOCKED")) throw error;
        if (Date.now() > deadline) {
          throw new SchemaEngineError(
            `Timed out waiting for another process to finish migrating ${databaseFile} (lock ${databaseFile}.migrate-lock)`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    try {
      return await job();
    } finally {
      lock.exec("ROLLBACK");
    }
  } finally {
    lock.close();
  }
}

/**
 * Applies every migration in the provider's migrations directory that the database hasn't applied
 * yet, recording each in `_prisma_migrations` like `prisma migrate deploy`. Returns the names of
 * the migrations applied now (none when the database is up to date).
 *
 * `databaseUrl` is `file:<path>` (SQLite; the file and its directory are created if missing) or
 * `postgresql://…`. `migrationsDir` overrides the provider's default directory (tests).
 */
export async function applyPendingMigrations(
  databaseUrl: string,
  migrationsDir?: string,
): Promise<{ applied: string[] }> {
  const provider = databaseProviderOf(databaseUrl);
  const dir = path.resolve(migrationsDir ?? migrationsDirFor(provider));
  if (!existsSync(dir)) {
    throw new SchemaEngineError(`No migrations directory at ${dir} for ${provider}; nothing to apply the schema from.`);
  }
  const migrationsList = await readMigrationsList(dir);

  const apply = () =>
    withEngine(engineFactoryFor(databaseUrl), "Applying migrations", async (engine) => {
      const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: NO_FILTER });
      return { applied: appliedMigrationNames };
    });

  return serialized(() =>
    provider === "sqlite" ? withSqliteMigrationLock(sqliteFilePath(databaseUrl), apply) : apply(),
  );
}

// ---------------------------------------------------------------------------------------------
// Creating migrations
// ---------------------------------------------------------------------------------------------

export interface CreateMigrationOptions {
  /** Migrations directory to read and write; default: the provider's one under process.cwd(). */
  migrationsDir?: string;
  /** The Prisma schema to migrate to; default: the provider's schema file under process.cwd(). */
  schemaFile?: string;
  /**
   * PostgreSQL only: a database on a server where a temporary shadow database may be created.
   * Default: the SHADOW_DATABASE_URL environment variable.
   */
  shadowDatabaseUrl?: string;
  /** The migration's timestamp (`YYYYMMDDHHMMSS`, UTC); default: now. Lets several providers share one. */
  timestamp?: string;
}

export interface CreateMigrationResult {
  /** False when the schema matches the migrations: nothing was written. */
  created: boolean;
  /** `<timestamp>_<name>`, when created. */
  migrationName?: string;
  /** Absolute path of the new migration directory, when created. */
  directory?: string;
  /** The SQL written to migration.sql, when created. */
  script?: string;
}

/** `YYYYMMDDHHMMSS` in UTC, the prefix Prisma gives migration directories. */
export function migrationTimestamp(date: Date = new Date()): string {
  return date.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

/** migration_lock.toml as Prisma writes it. */
function lockfileContent(provider: DatabaseProvider): string {
  return (
    "# Please do not edit this file manually\n" +
    "# It should be added in your version-control system (e.g., Git)\n" +
    `provider = "${provider}"\n`
  );
}

function normalizeMigrationName(name: string): string {
  const normalized = name
    .trim()
    .replace(/[^A-Za-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 200);
  if (!normalized) throw new SchemaEngineError(`Invalid migration name "${name}": use letters, digits and _.`);
  return normalized;
}

function shadowFactoryFor(provider: DatabaseProvider, shadowDatabaseUrl?: string): SqlMigrationAwareDriverAdapterFactory {
  if (provider === "sqlite") {
    // Both the main connection (unused) and the shadow database are in memory.
    return sqliteEngineFactory(":memory:");
  }
  const url = shadowDatabaseUrl ?? process.env.SHADOW_DATABASE_URL;
  if (!url) {
    throw new SchemaEngineError(
      "Creating a PostgreSQL migration needs a PostgreSQL server for the shadow database: set SHADOW_DATABASE_URL " +
        "to a database on a server where that role may CREATE DATABASE (a temporary database is created and dropped there).",
    );
  }
  if (databaseProviderOf(url) !== "postgresql") {
    throw new SchemaEngineError("SHADOW_DATABASE_URL must be a postgresql:// URL.");
  }
  return new PostgresEngineFactory(url);
}

/**
 * Creates the next migration for `provider`: replays the migrations directory on a shadow
 * database, diffs that against the schema file and writes `<timestamp>_<name>/migration.sql` and
 * `migration_lock.toml` in Prisma's layout. Writes nothing when there is no difference.
 */
export async function createMigration(
  provider: DatabaseProvider,
  name: string,
  options: CreateMigrationOptions = {},
): Promise<CreateMigrationResult> {
  const migrationName = normalizeMigrationName(name);
  const dir = path.resolve(options.migrationsDir ?? migrationsDirFor(provider));
  const schemaFile = path.resolve(options.schemaFile ?? schemaFileFor(provider));
  const schemaContent = await fs.readFile(schemaFile, "utf8");
  const migrationsList = await readMigrationsList(dir);
  // The engine reads the provider of the migrations from the lock file, which the first
  // migration has yet to write.
  migrationsList.lockfile.content ??= lockfileContent(provider);
  const factory = shadowFactoryFor(provider, options.shadowDatabaseUrl);

  // The engine's `createMigration` can't reach a shadow database through a driver adapter (only
  // `diff` and the diagnostics commands get one), so diff "state after the migrations" against the
  // schema, as `prisma migrate diff --from-migrations … --to-schema … --script` does: it renders
  // the same script `prisma migrate dev` would write.
  const diff = await serialized(() =>
    withEngine(factory, `Creating the ${provider} migration`, (engine) =>
      engine.diff({
        from: { tag: "migrations", ...migrationsList },
        to: { tag: "schemaDatamodel", files: [{ path: schemaFile, content: schemaContent }] },
        script: true,
        exitCode: true,
        filters: NO_FILTER,
      }),
    ),
  );

  // Exit code 2 means "there is a difference"; 0 means none.
  if (diff.exitCode !== 2 || !diff.stdout) return { created: false };

  const fullName = `${options.timestamp ?? migrationTimestamp()}_${migrationName}`;
  const directory = path.join(dir, fullName);
  if (existsSync(directory)) throw new SchemaEngineError(`Migration directory ${directory} already exists.`);
  await fs.mkdir(directory, { recursive: true });
  await fs.writeFile(path.join(directory, MIGRATION_FILE_NAME), diff.stdout);
  await fs.writeFile(path.join(dir, LOCKFILE_NAME), lockfileContent(provider));
  return { created: true, migrationName: fullName, directory, script: diff.stdout };
}
