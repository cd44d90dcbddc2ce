// Applies and creates migrations with the Wasm schema engine against real databases: SQLite files
// in a temporary directory and a throwaway PostgreSQL cluster (test-support/postgres.ts).
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, startPostgres, type PostgresCluster } from "../../test-support/postgres";
import { applyPendingMigrations, createMigration, migrationsDirFor, schemaFileFor, type DatabaseProvider } from "./schema-engine";

const ROOT = path.resolve(__dirname, "../..");
const ENGINE_MODULE = path.join(ROOT, "lib", "db", "schema-engine.ts");

let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "schema-engine-test-"));
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

let counter = 0;
function freshDir(label: string): string {
  const dir = path.join(tmp, `${label}-${++counter}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A copy of the project's migrations for `provider`, to add migrations to. */
function copyOfMigrations(provider: DatabaseProvider): string {
  const dir = path.join(freshDir(`migrations-${provider}`), "migrations");
  cpSync(migrationsDirFor(provider, ROOT), dir, { recursive: true });
  return dir;
}

function projectMigrationNames(provider: DatabaseProvider): string[] {
  return readdirSync(migrationsDirFor(provider, ROOT), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

function addMigration(dir: string, name: string, sql: string): void {
  mkdirSync(path.join(dir, name));
  writeFileSync(path.join(dir, name, "migration.sql"), sql);
}

/** A schema file with one more model than the project's. */
function extendedSchema(provider: DatabaseProvider): string {
  const file = path.join(freshDir(`schema-${provider}`), "schema.prisma");
  writeFileSync(
    file,
    `${readFileSync(schemaFileFor(provider, ROOT), "utf8")}\nmodel TestExtra {\n  id    Int    @id\n  label String\n\n  @@map("test_extra")\n}\n`,
  );
  return file;
}

/**
 * Runs applyPendingMigrations in separate Node processes at the same moment (real cross-process
 * concurrency): each loads the engine first, then waits for a common start time.
 */
function applyInChildProcesses(count: number, databaseUrl: string, migrationsDir: string): Promise<{ applied: string[] }[]> {
  const script = path.join(tmp, "apply-child.ts");
  writeFileSync(
    script,
    `import { applyPendingMigrations, loadSchemaEngineModule } from ${JSON.stringify(ENGINE_MODULE)};\n` +
      "const [databaseUrl, migrationsDir, startAt] = process.argv.slice(2);\n" +
      "loadSchemaEngineModule()\n" +
      "  .then(() => new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now()))))\n" +
      "  .then(() => applyPendingMigrations(databaseUrl, migrationsDir))\n" +
      "  .then(\n" +
      "    (result) => process.stdout.write(JSON.stringify(result)),\n" +
      "    (error) => { process.stderr.write(String(error?.stack ?? error)); process.exit(1); },\n" +
      "  );\n",
  );
  const startAt = String(Date.now() + 3000);
  return Promise.all(Array.from({ length: count }, () => runChild(script, [databaseUrl, migrationsDir, startAt])));
}

function runChild(script: string, args: string[]): Promise<{ applied: string[] }> {
  const tsxCli = createRequire(path.join(ROOT, "package.json")).resolve("tsx/cli");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsxCli, script, ...args], { cwd: ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(JSON.parse(stdout));
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
}

interface MigrationRow {
  migration_name: string;
  finished: boolean;
  rolled_back: boolean;
  applied_steps_count: number;
}

// ---------------------------------------------------------------------------------------------

describe("SQLite", () => {
  const sqliteUrl = (label: string) => `file:${path.join(freshDir(label), "nested", "dir", "homeserver.db")}`;

  function tables(url: string): string[] {
    const db = new Database(url.slice("file:".length), { readonly: true });
    try {
      return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map(
        (row) => row.name,
      );
    } finally {
      db.close();
    }
  }

  function migrationRows(url: string): MigrationRow[] {
    const db = new Database(url.slice("file:".length), { readonly: true });
    try {
      return (
        db
          .prepare(
            "SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back, applied_steps_count FROM _prisma_migrations ORDER BY migration_name",
          )
          .all() as { migration_name: string; finished: number; rolled_back: number; applied_steps_count: number }[]
      ).map((row) => ({ ...row, finished: !!row.finished, rolled_back: !!row.rolled_back }));
    } finally {
      db.close();
    }
  }

  it("applies the project's migrations to a new database file, then nothing", async () => {
    const url = sqliteUrl("sqlite-apply");
    const names = projectMigrationNames("sqlite");
    expect(names.length).toBeGreaterThan(0);

    expect(await applyPendingMigrations(url, migrationsDirFor("sqlite", ROOT))).toEqual({ applied: names });
    expect(tables(url)).toEqual(expect.arrayContaining(["_prisma_migrations", "users", "devices", "access_tokens"]));
    expect(migrationRows(url)).toEqual(
      names.map((migration_name) => ({ migration_name, finished: true, rolled_back: false, applied_steps_count: 1 })),
    );

    expect(await applyPendingMigrations(url, migrationsDirFor("sqlite", ROOT))).toEqual({ applied: [] });
    expect(migrationRows(url)).toHaveLength(names.length);
  });

  it("applies a migration added to the directory on the next call", async () => {
    const url = sqliteUrl("sqlite-added");
    const dir = copyOfMigrations("sqlite");
    await applyPendingMigrations(url, dir);

    addMigration(dir, "99990101000000_add_test_extra", 'CREATE TABLE "test_extra" ("id" INTEGER NOT NULL PRIMARY KEY);\n');
    expect(await applyPendingMigrations(url, dir)).toEqual({ applied: ["99990101000000_add_test_extra"] });
    expect(tables(url)).toContain("test_extra");
    expect(await applyPendingMigrations(url, dir)).toEqual({ applied: [] });
  });

  it("applies each migration once when several callers race, in one process and across processes", async () => {
    const dir = migrationsDirFor("sqlite", ROOT);
    const names = projectMigrationNames("sqlite");

    const inProcess = sqliteUrl("sqlite-race-local");
    const local = await Promise.all([applyPendingMigrations(inProcess, dir), applyPendingMigrations(inProcess, dir)]);
    expect(local.flatMap((result) => result.applied).sort()).toEqual(names);
    expect(migrationRows(inProcess).every((row) => row.finished && !row.rolled_back)).toBe(true);

    const crossProcess = sqliteUrl("sqlite-race-processes");
    const results = await applyInChildProcesses(3, crossProcess, dir);
    expect(results.flatMap((result) => result.applied).sort()).toEqual(names);
    expect(migrationRows(crossProcess)).toHaveLength(names.length);
    expect(migrationRows(crossProcess).every((row) => row.finished && !row.rolled_back)).toBe(true);
  });

  it("reports a failing migration with its name", async () => {
    const url = sqliteUrl("sqlite-failing");
    const dir = copyOfMigrations("sqlite");
    addMigration(dir, "99990101000000_broken", "CREATE TABLE users (oops INTEGER);\n");
    await expect(applyPendingMigrations(url, dir)).rejects.toThrow(/99990101000000_broken/);
  });

  it("refuses a missing migrations directory", async () => {
    await expect(applyPendingMigrations(sqliteUrl("sqlite-nodir"), path.join(tmp, "does-not-exist"))).rejects.toThrow(
      /No migrations directory/,
    );
  });

  it("creates nothing when the migrations match the schema, and the next migration when they don't", async () => {
    const dir = copyOfMigrations("sqlite");
    expect(await createMigration("sqlite", "nothing", { migrationsDir: dir, schemaFile: schemaFileFor("sqlite", ROOT) })).toEqual({
      created: false,
    });
    expect(readdirSync(dir).sort()).toEqual([...projectMigrationNames("sqlite"), "migration_lock.toml"].sort());

    const result = await createMigration("sqlite", "add test-extra", {
      migrationsDir: dir,
      schemaFile: extendedSchema("sqlite"),
      timestamp: "99990101000000",
    });
    expect(result).toMatchObject({ created: true, migrationName: "99990101000000_add_test_extra" });
    const sql = readFileSync(path.join(dir, "99990101000000_add_test_extra", "migration.sql"), "utf8");
    expect(sql).toContain('CREATE TABLE "test_extra"');
    expect(sql).not.toContain('CREATE TABLE "users"');
    expect(readFileSync(path.join(dir, "migration_lock.toml"), "utf8")).toContain('provider = "sqlite"');

    const url = sqliteUrl("sqlite-created");
    const applied = await applyPendingMigrations(url, dir);
    expect(applied.applied.at(-1)).toBe("99990101000000_add_test_extra");
    expect(tables(url)).toContain("test_extra");
  });

  it("writes the first migration and the lock file into an empty directory", async () => {
    const dir = path.join(freshDir("sqlite-empty"), "migrations");
    const result = await createMigration("sqlite", "init", { migrationsDir: dir, schemaFile: schemaFileFor("sqlite", ROOT) });
    expect(result.created).toBe(true);
    expect(result.migrationName).toMatch(/^\d{14}_init$/);
    expect(readFileSync(path.join(dir, "migration_lock.toml"), "utf8")).toContain('provider = "sqlite"');
    expect(readFileSync(path.join(result.directory!, "migration.sql"), "utf8")).toContain('CREATE TABLE "users"');
  });
});

// ---------------------------------------------------------------------------------------------

describe("PostgreSQL", () => {
  // The run's shared cluster (test-support/global-setup.ts) when there is one, else our own.
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

  const newDatabase = () => createDatabase(serverUrl, `schema_engine_${process.pid}_${++databases}`);

  async function query<T>(url: string, sql: string): Promise<T[]> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  }

  const tables = async (url: string) =>
    (
      await query<{ table_name: string }>(
        url,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
      )
    ).map((row) => row.table_name);

  const migrationRows = (url: string) =>
    query<MigrationRow>(
      url,
      "SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back, applied_steps_count FROM _prisma_migrations ORDER BY migration_name",
    );

  it("applies the project's migrations to an empty database, then nothing", async () => {
    const url = await newDatabase();
    const names = projectMigrationNames("postgresql");
    expect(names.length).toBeGreaterThan(0);

    expect(await applyPendingMigrations(url, migrationsDirFor("postgresql", ROOT))).toEqual({ applied: names });
    expect(await tables(url)).toEqual(expect.arrayContaining(["_prisma_migrations", "users", "devices", "access_tokens"]));
    expect(await migrationRows(url)).toEqual(
      names.map((migration_name) => ({ migration_name, finished: true, rolled_back: false, applied_steps_count: 1 })),
    );

    expect(await applyPendingMigrations(url, migrationsDirFor("postgresql", ROOT))).toEqual({ applied: [] });
  });

  it("applies a migration added to the directory on the next call", async () => {
    const url = await newDatabase();
    const dir = copyOfMigrations("postgresql");
    await applyPendingMigrations(url, dir);

    // Semicolons inside a string literal: the script must reach PostgreSQL in one piece.
    addMigration(
      dir,
      "99990101000000_add_test_extra",
      'CREATE TABLE "test_extra" ("id" INTEGER NOT NULL PRIMARY KEY, "label" TEXT NOT NULL DEFAULT \'a;b\');\n' +
        "COMMENT ON TABLE \"test_extra\" IS 'x; y';\n",
    );
    expect(await applyPendingMigrations(url, dir)).toEqual({ applied: ["99990101000000_add_test_extra"] });
    expect(await tables(url)).toContain("test_extra");
    expect(await applyPendingMigrations(url, dir)).toEqual({ applied: [] });
  });

  it("applies each migration once when several processes race", async () => {
    const url = await newDatabase();
    const dir = migrationsDirFor("postgresql", ROOT);
    const results = await applyInChildProcesses(3, url, dir);
    expect(results.flatMap((result) => result.applied).sort()).toEqual(projectMigrationNames("postgresql"));
    const rows = await migrationRows(url);
    expect(rows).toHaveLength(projectMigrationNames("postgresql").length);
    expect(rows.every((row) => row.finished && !row.rolled_back)).toBe(true);
  });

  it("creates migrations through a temporary shadow database that it drops afterwards", async () => {
    const shadowServer = await newDatabase();
    const dir = copyOfMigrations("postgresql");

    expect(
      await createMigration("postgresql", "nothing", {
        migrationsDir: dir,
        schemaFile: schemaFileFor("postgresql", ROOT),
        shadowDatabaseUrl: shadowServer,
      }),
    ).toEqual({ created: false });

    const result = await createMigration("postgresql", "add_test_extra", {
      migrationsDir: dir,
      schemaFile: extendedSchema("postgresql"),
      shadowDatabaseUrl: shadowServer,
      timestamp: "99990101000000",
    });
    expect(result).toMatchObject({ created: true, migrationName: "99990101000000_add_test_extra" });
    expect(result.script).toContain('CREATE TABLE "test_extra"');
    expect(result.script).not.toContain('CREATE TABLE "users"');
    expect(readFileSync(path.join(dir, "migration_lock.toml"), "utf8")).toContain('provider = "postgresql"');

    // The database named by the shadow URL is left alone, and no shadow database is left over.
    expect(await tables(shadowServer)).toEqual([]);
    const leftovers = await query<{ datname: string }>(
      serverUrl,
      "SELECT datname FROM pg_database WHERE datname LIKE 'prisma_migrate_shadow_db_%'",
    );
    expect(leftovers).toEqual([]);

    const url = await newDatabase();
    expect((await applyPendingMigrations(url, dir)).applied.at(-1)).toBe("99990101000000_add_test_extra");
    expect(await tables(url)).toContain("test_extra");
  });

  it("needs a shadow database server to create a migration", async () => {
    const saved = process.env.SHADOW_DATABASE_URL;
    delete process.env.SHADOW_DATABASE_URL;
    try {
      await expect(createMigration("postgresql", "x", { migrationsDir: copyOfMigrations("postgresql") })).rejects.toThrow(
        /SHADOW_DATABASE_URL/,
      );
    } finally {
      if (saved !== undefined) process.env.SHADOW_DATABASE_URL = saved;
    }
  });
});
