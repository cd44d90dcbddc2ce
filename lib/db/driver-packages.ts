// The database driver packages, loaded on first use: a deployment runs on SQLite or on PostgreSQL,
// never both, and the other's driver would only sit in memory (pg with @prisma/adapter-pg is
// ~15 MB resident; BENCHMARKS.md, "Peak RSS"). A require() of a package name: the esbuild bundle of
// server.ts and Next's bundles keep these packages external, and tsx and vitest hand it to Node, so
// every runtime loads the one copy Node has (as lib/sso/providers/xml-libraries.ts).
import type * as BetterSqlite3Adapter from "@prisma/adapter-better-sqlite3";
import type * as PgAdapter from "@prisma/adapter-pg";
import type * as Pg from "pg";
import { createRequire } from "node:module";
import path from "node:path";

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

/**
 * Where better-sqlite3's entry file is, for a worker thread to load the same driver
 * (lib/db/sqlite-checkpointer.ts). A bundler may turn require.resolve into a module ID; then the
 * package is looked up from the working directory, where `npm start` runs.
 */
export function betterSqlite3Path(): string {
  try {
    const resolved: unknown = require.resolve("better-sqlite3");
    if (typeof resolved === "string" && path.isAbsolute(resolved)) return resolved;
  } catch {
    // fall through to the working directory
  }
  return createRequire(path.join(process.cwd(), "package.json")).resolve("better-sqlite3");
}
