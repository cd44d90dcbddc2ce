// The process-wide Prisma client for DATABASE_URL. Only lib/ data functions import it; pages and
// route handlers call named functions and get plain objects back.
//
// Prisma clients are generated per database provider; both generated clients have the same models
// (prisma/postgresql/schema.prisma is generated from prisma/schema.prisma), so the SQLite client's
// type describes either.
import type { SqlDriverAdapter } from "@prisma/driver-adapter-utils";
import type { PrismaClient as SqlitePrismaClient } from "./generated/sqlite/client";
import { MatrixError } from "../matrix/errors";
import { createAdapterFactory, databaseProviderOf, DEFAULT_DATABASE_URL, type AdapterOptions, type DatabaseProvider } from "./adapter";
import { processSlot } from "../runtime/process-state";

export type Database = SqlitePrismaClient;
export type { Prisma } from "./generated/sqlite/client";

type PrismaClientClass = typeof import("./generated/sqlite/client").PrismaClient;

/**
 * The generated client of one provider, loaded on first use: a process only ever talks to one
 * database, and each generated client carries its own data model and query-compiler loader. Two
 * literal require()s rather than a computed path, so that every bundler (Next's, esbuild's for
 * server.ts) sees both targets and still evaluates only the one asked for.
 */
function prismaClientClass(provider: DatabaseProvider): PrismaClientClass {
  if (provider === "sqlite") {
    return requireSource(() => require("./generated/sqlite/client") as typeof import("./generated/sqlite/client")).PrismaClient;
  }
  return requireSource(() => require("./generated/postgresql/client") as typeof import("./generated/postgresql/client"))
    .PrismaClient as unknown as PrismaClientClass;
}

/**
 * Bundles and tsx resolve those require()s; vitest compiles this file itself but hands require()
 * to Node, which cannot load TypeScript. There, and only when it fails, tsx's CommonJS hook is
 * lent for the one call.
 */
function requireSource<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if ((error as { code?: unknown }).code !== "MODULE_NOT_FOUND") throw error;
    let tsx: typeof import("tsx/cjs/api");
    try {
      tsx = require(/* webpackIgnore: true */ /* turbopackIgnore: true */ "tsx/cjs/api") as typeof import("tsx/cjs/api");
    } catch {
      throw error;
    }
    const unregister = tsx.register();
    try {
      return load();
    } finally {
      unregister();
    }
  }
}

export function databaseUrl(): string {
  return process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
}

/** A Prisma client for `url`; `options` default to the serving client's (a checkpoint thread on SQLite). */
export function createDatabase(url = databaseUrl(), options: AdapterOptions = { checkpointThread: true }): Database {
  const PrismaClient = prismaClientClass(databaseProviderOf(url));
  const factory = createAdapterFactory(url, options);
  // The connected driver adapter is kept for lib/db/direct-sql.ts, which sends the hottest
  // statements to it directly (the client connects on its first query, or on $connect()).
  let connected: SqlDriverAdapter | undefined;
  const connect = factory.connect.bind(factory);
  factory.connect = async () => (connected = await connect());
  const database = withoutNulCharacters(new PrismaClient({ adapter: factory }));
  const connectedAdapter = async () => {
    if (!connected) await database.$connect();
    if (!connected) throw new Error("database: the Prisma client connected without its driver adapter");
    return connected;
  };
  Object.defineProperty(database, DRIVER_ADAPTER, { value: connectedAdapter });
  return database;
}

// Kept on the client itself under a registered symbol, not in a module-level map: the one client is
// shared by several copies of lib/ (see databaseSlot below), and each copy must find it.
const DRIVER_ADAPTER = Symbol.for("matrix-sso-login.driver-adapter");

/** The driver adapter a client made by createDatabase runs on, connected. */
export function driverAdapterOf(database: Database): Promise<SqlDriverAdapter> {
  const adapter = (database as unknown as Record<symbol, (() => Promise<SqlDriverAdapter>) | undefined>)[DRIVER_ADAPTER];
  if (!adapter) throw new Error("database: this client was not made by createDatabase, so its driver adapter is unknown");
  return adapter();
}

/** True if a query argument holds a string with a NUL character anywhere (walked without recursion). */
export function containsNulCharacter(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === "string") {
      if (current.includes("\u0000")) return true;
    } else if (current !== null && typeof current === "object" && !(current instanceof Date) && !ArrayBuffer.isView(current)) {
      for (const child of Object.values(current)) stack.push(child);
    }
  }
  return false;
}

/**
 * PostgreSQL cannot store or compare a NUL character in text (SQLite can), so a request carrying
 * one — a user ID, a device ID, a session ID — would fail with a database error, i.e. a 500, on
 * PostgreSQL only. Every query refuses such values up front instead, on both databases alike, with
 * the 400 a client can act on. The client is shared by code from several copies of lib/ (see
 * holder below), so whoever catches this error recognises it by its brand (lib/matrix/errors.ts).
 */
function withoutNulCharacters(client: SqlitePrismaClient): Database {
  return client.$extends({
    query: {
      $allModels: {
        $allOperations({ args, query }) {
          if (containsNulCharacter(args)) throw new MatrixError("M_INVALID_PARAM", "Strings may not contain NUL characters");
          return query(args);
        },
      },
    },
  }) as unknown as Database;
}

// One client per process, shared across Next.js route bundles (lib/runtime/process-state.ts).
const databaseSlot = processSlot<Database>("database");

export function db(): Database {
  return databaseSlot.getOrCreate(createDatabase);
}

/** For tests: use this client (or drop the current one) for the rest of the process. */
export function setDatabase(database: Database | undefined): void {
  databaseSlot.set(database);
}

/** True when an error is a unique-constraint violation (Prisma P2002), whichever database is used. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "P2002";
}

/** The client handed to a `$transaction` callback; data functions accept it to join a transaction. */
export type Transaction = import("./generated/sqlite/client").Prisma.TransactionClient;
