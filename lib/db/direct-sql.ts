// The hottest statements of the service — a token login's four, the availability check's one — sent
// straight to the driver adapter the Prisma client itself runs on (@prisma/adapter-better-sqlite3
// or @prisma/adapter-pg, the connection or pool the client opened), skipping the client runtime
// between them.
//
// Why: even a raw statement through `$queryRaw` passes through Prisma's query interpreter (argument
// serialisation, a plan, result mapping); for a token login that was ~0.6 ms of CPU out of ~1.6, more
// than SQLite spent running the statements (BENCHMARKS.md, token login). The driver adapter is
// Prisma's own database layer: the same connection, the same argument formatting (dates stored as the
// model API stores them), the same driver errors. Everything else in lib/ keeps using the client.
//
// A statement is written once, as a tagged template, and rendered with each database's placeholders
// (`?` for SQLite, `$1…` for PostgreSQL) on first use. Values are strings, Dates, booleans or null:
// numbers are left out on purpose (better-sqlite3 binds a JS number as REAL).
import type { ArgType, SqlDriverAdapter, SqlQuery, Transaction } from "@prisma/driver-adapter-utils";
import { MatrixError } from "../matrix/errors";
import { containsNulCharacter, driverAdapterOf, type Database } from "./client";

export type SqlValue = string | Date | boolean | null;

export interface SqlStatement {
  readonly strings: TemplateStringsArray;
  readonly values: readonly SqlValue[];
}

/** A statement for queryRows / runInTransaction: `sql\`SELECT … WHERE id = ${id}\``. */
export function sql(strings: TemplateStringsArray, ...values: SqlValue[]): SqlStatement {
  return { strings, values };
}

// Rendered text per call site (a template's strings array is the same object on every call).
const rendered = { sqlite: new WeakMap<TemplateStringsArray, string>(), postgres: new WeakMap<TemplateStringsArray, string>() };

function toQuery(adapter: SqlDriverAdapter, statement: SqlStatement): SqlQuery {
  const postgres = adapter.provider === "postgres";
  const cache = postgres ? rendered.postgres : rendered.sqlite;
  let text = cache.get(statement.strings);
  if (text === undefined) {
    text = statement.strings.reduce((joined, part, i) => joined + (postgres ? `$${i}` : "?") + part);
    cache.set(statement.strings, text);
  }
  return { sql: text, args: [...statement.values], argTypes: statement.values.map(argTypeOf) };
}

const STRING: ArgType = { scalarType: "string", arity: "scalar" };
const DATETIME: ArgType = { scalarType: "datetime", arity: "scalar" };
const BOOLEAN: ArgType = { scalarType: "boolean", arity: "scalar" };
const UNKNOWN: ArgType = { scalarType: "unknown", arity: "scalar" };

function argTypeOf(value: SqlValue): ArgType {
  if (value instanceof Date) return DATETIME;
  if (typeof value === "string") return STRING;
  if (typeof value === "boolean") return BOOLEAN;
  return UNKNOWN;
}

/**
 * Every query of the client refuses a NUL character up front (lib/db/client.ts: PostgreSQL cannot
 * store one, and would fail with a 500); statements sent here do the same.
 */
function refuseNulCharacters(statements: readonly SqlStatement[]): void {
  for (const statement of statements) {
    if (containsNulCharacter(statement.values)) throw new MatrixError("M_INVALID_PARAM", "Strings may not contain NUL characters");
  }
}

/** Runs one statement (a SELECT, or a write with RETURNING) and returns its rows keyed by column name. */
export async function queryRows<Row extends Record<string, unknown>>(database: Database, statement: SqlStatement): Promise<Row[]> {
  refuseNulCharacters([statement]);
  const adapter = await driverAdapterOf(database);
  const result = await adapter.queryRaw(toQuery(adapter, statement));
  return result.rows.map((values) => {
    const row: Record<string, unknown> = {};
    result.columnNames.forEach((name, i) => (row[name] = values[i]));
    return row as Row;
  });
}

/**
 * Runs the statements in one transaction, in order: all of them are written or none. On SQLite the
 * one connection's gate (lib/db/sqlite-transaction-gate.ts) serialises this with the client's own
 * transactions and keeps other requests' statements out of it until it ends; on PostgreSQL it takes
 * a connection of the pool for the duration.
 */
export async function runInTransaction(database: Database, statements: readonly SqlStatement[]): Promise<void> {
  refuseNulCharacters(statements);
  const adapter = await driverAdapterOf(database);
  const transaction: Transaction = await adapter.startTransaction();
  try {
    for (const statement of statements) await transaction.executeRaw(toQuery(adapter, statement));
    // As the Prisma client does: the adapter's commit() only releases the connection.
    await transaction.executeRaw({ sql: "COMMIT", args: [], argTypes: [] });
  } catch (error) {
    await transaction.executeRaw({ sql: "ROLLBACK", args: [], argTypes: [] }).catch(() => undefined);
    await transaction.rollback();
    throw error;
  }
  await transaction.commit();
}
