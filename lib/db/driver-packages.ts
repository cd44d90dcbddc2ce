// The database driver packages, loaded on first use: a deployment runs on SQLite or on PostgreSQL,
// never both, and the other's driver would only sit in memory (pg with @prisma/adapter-pg is
// ~15 MB resident; BENCHMARKS.md, "Peak RSS"). A require() of a package name: the esbuild bundle of
// server.ts and Next's bundles keep these packages external, and tsx and vitest hand it to Node, so
// every runtime loads the one copy Node has (as lib/sso/providers/xml-libraries.ts).
import type * as BetterSqlite3Adapter from "@prisma/adapter-better-sqlite3";
import type * as PgAdapter from "@prisma/adapter-pg";
import type * as Pg from "pg";

let betterSqlite3AdapterModule: typeof BetterSqlite3Adapter | undefined;
let pgAdapterModule: typeof PgAdapter | undefined;
let pgModule: typeof Pg | undefined;

export function betterSqlite3Adapter(): typeof BetterSqlite3Adapter {
  return (betterSqlite3AdapterModule ??= require("@prisma/adapter-better-sqlite3") as typeof BetterSqlite3Adapter);
}

export function pgAdapter(): typeof PgAdapter {
  return (pgAdapterModule ??= require("@prisma/adapter-pg") as typeof PgAdapter);
}

export function pgDriver(): typeof Pg {
  return (pgModule ??= require("pg") as typeof Pg);
}
