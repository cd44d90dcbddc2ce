// What the migration tests share (lib/db/schema-engine.test.ts applies migrations,
// scripts/db/write-migration.test.ts writes them): scratch copies of the project's migrations
// directories, and the tables and `_prisma_migrations` rows of a SQLite file or a PostgreSQL
// database, read without the code under test.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, inject } from "vitest";
import type { DatabaseProvider } from "../lib/db/adapter";
import { migrationsDirFor } from "../lib/db/migrations-dir";
import { createDatabase, startPostgres, type PostgresCluster } from "./postgres";

export const ROOT = path.resolve(__dirname, "..");

export interface MigrationRow {
  migration_name: string;
  finished: boolean;
  rolled_back: boolean;
  applied_steps_count: number;
}

/** A scratch directory for the test file (removed after it), and fresh sub-directories of it. */
export function useScratchDirectory(prefix: string): { root(): string; fresh(label: string): string } {
  let tmp: string;
  let counter = 0;
  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  });
  afterAll(() => {
    rmSync(tmp, { recursive: true, force: true });
  });
  return {
    root: () => tmp,
    fresh(label) {
      const dir = path.join(tmp, `${label}-${++counter}`);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
  };
}

/** A copy of the project's migrations for `provider` inside `parent`, to add migrations to. */
export function copyOfMigrations(provider: DatabaseProvider, parent: string): string {
  const dir = path.join(parent, "migrations");
  cpSync(migrationsDirFor(provider, ROOT), dir, { recursive: true });
  return dir;
}

export function projectMigrationNames(provider: DatabaseProvider): string[] {
  return readdirSync(migrationsDirFor(provider, ROOT), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

export function addMigration(dir: string, name: string, sql: string): void {
  mkdirSync(path.join(dir, name));
  writeFileSync(path.join(dir, name, "migration.sql"), sql);
}

const MIGRATION_ROWS_SQL =
  "SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back, applied_steps_count FROM _prisma_migrations ORDER BY migration_name";

export function sqliteTables(url: string): string[] {
  const db = new Database(url.slice("file:".length), { readonly: true });
  try {
    return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map(
      (row) => row.name,
    );
  } finally {
    db.close();
  }
}

export function sqliteMigrationRows(url: string): MigrationRow[] {
  const db = new Database(url.slice("file:".length), { readonly: true });
  try {
    return (
      db.prepare(MIGRATION_ROWS_SQL).all() as { migration_name: string; finished: number; rolled_back: number; applied_steps_count: number }[]
    ).map((row) => ({ ...row, finished: !!row.finished, rolled_back: !!row.rolled_back }));
  } finally {
    db.close();
  }
}

/**
 * A PostgreSQL server for the test file: the run's shared cluster (test-support/global-setup.ts)
 * when there is one, else one of its own. `newDatabase` creates an empty database on it.
 */
export function usePostgresServer(databasePrefix: string): { serverUrl(): string; newDatabase(): Promise<string> } {
  let ownCluster: PostgresCluster | undefined;
  let serverUrl: string;
  let databases = 0;
  beforeAll(async () => {
    const provided = inject("postgresUrl");
    if (provided) {
      serverUrl = provided;
    } else {
      ownCluster = await startPostgres();
      serverUrl = ownCluster.url;
    }
  });
  afterAll(async () => {
    await ownCluster?.stop();
  });
  return {
    serverUrl: () => serverUrl,
    newDatabase: () => createDatabase(serverUrl, `${databasePrefix}_${process.pid}_${++databases}`),
  };
}

export async function pgQuery<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

export async function pgTables(url: string): Promise<string[]> {
  return (
    await pgQuery<{ table_name: string }>(
      url,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    )
  ).map((row) => row.table_name);
}

export function pgMigrationRows(url: string): Promise<MigrationRow[]> {
  return pgQuery<MigrationRow>(url, MIGRATION_ROWS_SQL);
}
