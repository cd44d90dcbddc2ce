// Applies database migrations with Prisma's own schema engine, compiled to WebAssembly
// (@prisma/schema-engine-wasm; loaded by schema-engine-wasm.ts), talking to the database through
// the same driver adapters as the runtime client (schema-engine-adapters.ts). Prisma 7's CLI would
// need its native schema engine binary for `prisma migrate`, which can't be downloaded everywhere;
// the Wasm build is the same engine, so migrations are read from and recorded in exactly the places
// `prisma migrate deploy` uses (migrations-dir.ts, and the `_prisma_migrations` table) and the two
// stay interchangeable. Creating migrations is developer tooling: scripts/db/create-migration.ts.
import { existsSync, promises as fs } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import type { SchemaEngine, SchemaFilter } from "@prisma/schema-engine-wasm/schema_engine_bg";
import { databaseProviderOf, sqliteFilePath } from "./adapter";
import { migrationsDirFor, readMigrationsList } from "./migrations-dir";
import { engineFactoryFor, trackingFactory } from "./schema-engine-adapters";
import { clearSchemaEngineTimers, discardSchemaEngine, loadSchemaEngineModule, serialized } from "./schema-engine-wasm";

// server.ts applies the migrations, then lets the engine go.
export { releaseSchemaEngine } from "./schema-engine-wasm";

export const NO_FILTER: SchemaFilter = { externalTables: [], externalEnums: [] };

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
    discardSchemaEngine();
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
export async function withEngine<T>(
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
      clearSchemaEngineTimers();
    }
  }
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
