// The process-wide Prisma client for DATABASE_URL. Only lib/ data functions import it; pages and
// route handlers call named functions and get plain objects back.
//
// Prisma clients are generated per database provider; both generated clients have the same models
// (prisma/postgresql/schema.prisma is generated from prisma/schema.prisma), so the SQLite client's
// type describes either.
import { PrismaClient as SqlitePrismaClient } from "./generated/sqlite/client";
import { PrismaClient as PostgresPrismaClient } from "./generated/postgresql/client";
import { MatrixError } from "../matrix/errors";
import { createAdapterFactory, databaseProviderOf, DEFAULT_DATABASE_URL } from "./adapter";

export type Database = SqlitePrismaClient;
export type { Prisma } from "./generated/sqlite/client";

export function databaseUrl(): string {
  return process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
}

export function createDatabase(url = databaseUrl()): Database {
  const adapter = createAdapterFactory(url);
  const client =
    databaseProviderOf(url) === "sqlite"
      ? new SqlitePrismaClient({ adapter })
      : (new PostgresPrismaClient({ adapter }) as unknown as SqlitePrismaClient);
  return withoutNulCharacters(client);
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
 * the 400 a client can act on.
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

// One client per process, shared across Next.js route bundles through globalThis.
const holder = globalThis as unknown as { __database?: Database };

export function db(): Database {
  holder.__database ??= createDatabase();
  return holder.__database;
}

/** For tests: use this client (or drop the current one) for the rest of the process. */
export function setDatabase(database: Database | undefined): void {
  holder.__database = database;
}

/** True when an error is a unique-constraint violation (Prisma P2002), whichever database is used. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "P2002";
}

/** The client handed to a `$transaction` callback; data functions accept it to join a transaction. */
export type Transaction = import("./generated/sqlite/client").Prisma.TransactionClient;
