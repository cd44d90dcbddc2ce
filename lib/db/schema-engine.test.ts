// Applies migrations with the Wasm schema engine against real databases: SQLite files in a
// temporary directory and a throwaway PostgreSQL cluster (test-support/postgres.ts). Writing
// migrations is tested beside its tool, scripts/db/write-migration.test.ts.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  addMigration,
  copyOfMigrations,
  pgMigrationRows,
  pgTables,
  projectMigrationNames,
  ROOT,
  sqliteMigrationRows,
  sqliteTables,
  usePostgresServer,
  useScratchDirectory,
} from "../../test-support/migration-fixtures";
import { migrationsDirFor } from "./migrations-dir";
import { applyPendingMigrations } from "./schema-engine";

const ENGINE_MODULE = path.join(ROOT, "lib", "db", "schema-engine.ts");
const ENGINE_WASM_MODULE = path.join(ROOT, "lib", "db", "schema-engine-wasm.ts");

const scratch = useScratchDirectory("schema-engine-test");

/**
 * Runs applyPendingMigrations in separate Node processes at the same moment (real cross-process
 * concurrency): each loads the engine first, then waits for a common start time.
 */
function applyInChildProcesses(count: number, databaseUrl: string, migrationsDir: string): Promise<{ applied: string[] }[]> {
  const script = path.join(scratch.root(), "apply-child.ts");
  writeFileSync(
    script,
    `import { applyPendingMigrations } from ${JSON.stringify(ENGINE_MODULE)};\n` +
      `import { loadSchemaEngineModule } from ${JSON.stringify(ENGINE_WASM_MODULE)};\n` +
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

function runChild<T = { applied: string[] }>(script: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const tsxCli = createRequire(path.join(ROOT, "package.json")).resolve("tsx/cli");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsxCli, script, ...args], { cwd: ROOT, env });
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

// ---------------------------------------------------------------------------------------------

describe("SQLite", () => {
  const sqliteUrl = (label: string) => `file:${path.join(scratch.fresh(label), "nested", "dir", "homeserver.db")}`;

  it("applies the project's migrations to a new database file, then nothing", async () => {
    const url = sqliteUrl("sqlite-apply");
    const names = projectMigrationNames("sqlite");
    expect(names.length).toBeGreaterThan(0);

    expect(await applyPendingMigrations(url, migrationsDirFor("sqlite", ROOT))).toEqual({ applied: names });
    expect(sqliteTables(url)).toEqual(expect.arrayContaining(["_prisma_migrations", "users", "devices", "access_tokens"]));
    expect(sqliteMigrationRows(url)).toEqual(
      names.map((migration_name) => ({ migration_name, finished: true, rolled_back: false, applied_steps_count: 1 })),
    );

    expect(await applyPendingMigrations(url, migrationsDirFor("sqlite", ROOT))).toEqual({ applied: [] });
    expect(sqliteMigrationRows(url)).toHaveLength(names.length);
  });

  it("applies a migration added to the directory on the next call", async () => {
    const url = sqliteUrl("sqlite-added");
    const dir = copyOfMigrations("sqlite", scratch.fresh("migrations-sqlite"));
    await applyPendingMigrations(url, dir);

    addMigration(dir, "99990101000000_add_test_extra", 'CREATE TABLE "test_extra" ("id" INTEGER NOT NULL PRIMARY KEY);\n');
    expect(await applyPendingMigrations(url, dir)).toEqual({ applied: ["99990101000000_add_test_extra"] });
    expect(sqliteTables(url)).toContain("test_extra");
    expect(await applyPendingMigrations(url, dir)).toEqual({ applied: [] });
  });

  it("applies each migration once when several callers race, in one process and across processes", async () => {
    const dir = migrationsDirFor("sqlite", ROOT);
    const names = projectMigrationNames("sqlite");

    const inProcess = sqliteUrl("sqlite-race-local");
    const local = await Promise.all([applyPendingMigrations(inProcess, dir), applyPendingMigrations(inProcess, dir)]);
    expect(local.flatMap((result) => result.applied).sort()).toEqual(names);
    expect(sqliteMigrationRows(inProcess).every((row) => row.finished && !row.rolled_back)).toBe(true);

    const crossProcess = sqliteUrl("sqlite-race-processes");
    const results = await applyInChildProcesses(3, crossProcess, dir);
    expect(results.flatMap((result) => result.applied).sort()).toEqual(names);
    expect(sqliteMigrationRows(crossProcess)).toHaveLength(names.length);
    expect(sqliteMigrationRows(crossProcess).every((row) => row.finished && !row.rolled_back)).toBe(true);
  });

  it("lets go of the engine's linear memory once released, and loads it again for the next job", async () => {
    // In a process of its own, with gc() exposed: Wasm linear memory is counted in
    // process.memoryUsage().external. The server releases the engine after migrating at start-up.
    const script = path.join(scratch.root(), "release-child.ts");
    writeFileSync(
      script,
      `import { applyPendingMigrations, releaseSchemaEngine } from ${JSON.stringify(ENGINE_MODULE)};\n` +
        "const gc = (globalThis as { gc?: () => void }).gc!;\n" +
        "const settle = async () => { for (let i = 0; i < 3; i++) { gc(); await new Promise((r) => setTimeout(r, 20)); } };\n" +
        "const [first, second, migrationsDir] = process.argv.slice(2);\n" +
        "(async () => {\n" +
        "  const applied = (await applyPendingMigrations(first, migrationsDir)).applied.length;\n" +
        "  await settle();\n" +
        "  const held = process.memoryUsage().external;\n" +
        "  await releaseSchemaEngine();\n" +
        "  await settle();\n" +
        "  const released = process.memoryUsage().external;\n" +
        "  const appliedAgain = (await applyPendingMigrations(second, migrationsDir)).applied.length;\n" +
        "  process.stdout.write(JSON.stringify({ applied, appliedAgain, freedBytes: held - released }));\n" +
        "})().catch((error) => { process.stderr.write(String(error?.stack ?? error)); process.exit(1); });\n",
    );
    const result = await runChild<{ applied: number; appliedAgain: number; freedBytes: number }>(
      script,
      [sqliteUrl("sqlite-release-1"), sqliteUrl("sqlite-release-2"), migrationsDirFor("sqlite", ROOT)],
      { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --expose-gc` },
    );
    const count = projectMigrationNames("sqlite").length;
    expect(result).toMatchObject({ applied: count, appliedAgain: count });
    // The engine's memory is ~1.8 MB after migrating an empty database; a view of it left behind in
    // the engine's JS glue used to keep all of it (freedBytes was 220: a few small buffers, not the linear memory).
    expect(result.freedBytes).toBeGreaterThan(1_000_000);
  });

  it("reports a failing migration with its name", async () => {
    const url = sqliteUrl("sqlite-failing");
    const dir = copyOfMigrations("sqlite", scratch.fresh("migrations-sqlite"));
    addMigration(dir, "99990101000000_broken", "CREATE TABLE users (oops INTEGER);\n");
    await expect(applyPendingMigrations(url, dir)).rejects.toThrow(/99990101000000_broken/);
  });

  it("refuses a missing migrations directory", async () => {
    await expect(applyPendingMigrations(sqliteUrl("sqlite-nodir"), path.join(scratch.root(), "does-not-exist"))).rejects.toThrow(
      /No migrations directory/,
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe("PostgreSQL", () => {
  const postgres = usePostgresServer("schema_engine");

  it("applies the project's migrations to an empty database, then nothing", async () => {
    const url = await postgres.newDatabase();
    const names = projectMigrationNames("postgresql");
    expect(names.length).toBeGreaterThan(0);

    expect(await applyPendingMigrations(url, migrationsDirFor("postgresql", ROOT))).toEqual({ applied: names });
    expect(await pgTables(url)).toEqual(expect.arrayContaining(["_prisma_migrations", "users", "devices", "access_tokens"]));
    expect(await pgMigrationRows(url)).toEqual(
      names.map((migration_name) => ({ migration_name, finished: true, rolled_back: false, applied_steps_count: 1 })),
    );

    expect(await applyPendingMigrations(url, migrationsDirFor("postgresql", ROOT))).toEqual({ applied: [] });
  });

  it("applies a migration added to the directory on the next call", async () => {
    const url = await postgres.newDatabase();
    const dir = copyOfMigrations("postgresql", scratch.fresh("migrations-postgresql"));
    await applyPendingMigrations(url, dir);

    // Semicolons inside a string literal: the script must reach PostgreSQL in one piece.
    addMigration(
      dir,
      "99990101000000_add_test_extra",
      'CREATE TABLE "test_extra" ("id" INTEGER NOT NULL PRIMARY KEY, "label" TEXT NOT NULL DEFAULT \'a;b\');\n' +
        "COMMENT ON TABLE \"test_extra\" IS 'x; y';\n",
    );
    expect(await applyPendingMigrations(url, dir)).toEqual({ applied: ["99990101000000_add_test_extra"] });
    expect(await pgTables(url)).toContain("test_extra");
    expect(await applyPendingMigrations(url, dir)).toEqual({ applied: [] });
  });

  it("applies each migration once when several processes race", async () => {
    const url = await postgres.newDatabase();
    const dir = migrationsDirFor("postgresql", ROOT);
    const results = await applyInChildProcesses(3, url, dir);
    expect(results.flatMap((result) => result.applied).sort()).toEqual(projectMigrationNames("postgresql"));
    const rows = await pgMigrationRows(url);
    expect(rows).toHaveLength(projectMigrationNames("postgresql").length);
    expect(rows.every((row) => row.finished && !row.rolled_back)).toBe(true);
  });
});
