// Writes migrations with the Wasm schema engine (a shadow database: in memory for SQLite, a
// temporary database on a throwaway PostgreSQL cluster), then applies them to show they work.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { DatabaseProvider } from "../../lib/db/adapter";
import { applyPendingMigrations } from "../../lib/db/schema-engine";
import {
  copyOfMigrations,
  pgQuery,
  pgTables,
  projectMigrationNames,
  ROOT,
  sqliteTables,
  usePostgresServer,
  useScratchDirectory,
} from "../../test-support/migration-fixtures";
import { schemaFileFor, writeMigration } from "./write-migration";

const scratch = useScratchDirectory("write-migration-test");

/** A schema file with one more model than the project's. */
function extendedSchema(provider: DatabaseProvider): string {
  const file = path.join(scratch.fresh(`schema-${provider}`), "schema.prisma");
  writeFileSync(
    file,
    `${readFileSync(schemaFileFor(provider, ROOT), "utf8")}\nmodel TestExtra {\n  id    Int    @id\n  label String\n\n  @@map("test_extra")\n}\n`,
  );
  return file;
}

describe("SQLite", () => {
  const sqliteUrl = (label: string) => `file:${path.join(scratch.fresh(label), "nested", "dir", "homeserver.db")}`;

  it("creates nothing when the migrations match the schema, and the next migration when they don't", async () => {
    const dir = copyOfMigrations("sqlite", scratch.fresh("migrations-sqlite"));
    expect(await writeMigration("sqlite", "nothing", { migrationsDir: dir, schemaFile: schemaFileFor("sqlite", ROOT) })).toEqual({
      created: false,
    });
    expect(readdirSync(dir).sort()).toEqual([...projectMigrationNames("sqlite"), "migration_lock.toml"].sort());

    const result = await writeMigration("sqlite", "add test-extra", {
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
    expect(sqliteTables(url)).toContain("test_extra");
  });

  it("writes the first migration and the lock file into an empty directory", async () => {
    const dir = path.join(scratch.fresh("sqlite-empty"), "migrations");
    const result = await writeMigration("sqlite", "init", { migrationsDir: dir, schemaFile: schemaFileFor("sqlite", ROOT) });
    expect(result.created).toBe(true);
    expect(result.migrationName).toMatch(/^\d{14}_init$/);
    expect(readFileSync(path.join(dir, "migration_lock.toml"), "utf8")).toContain('provider = "sqlite"');
    expect(readFileSync(path.join(result.directory!, "migration.sql"), "utf8")).toContain('CREATE TABLE "users"');
  });
});

describe("PostgreSQL", () => {
  const postgres = usePostgresServer("write_migration");

  it("creates migrations through a temporary shadow database that it drops afterwards", async () => {
    const shadowServer = await postgres.newDatabase();
    const dir = copyOfMigrations("postgresql", scratch.fresh("migrations-postgresql"));

    expect(
      await writeMigration("postgresql", "nothing", {
        migrationsDir: dir,
        schemaFile: schemaFileFor("postgresql", ROOT),
        shadowDatabaseUrl: shadowServer,
      }),
    ).toEqual({ created: false });

    const result = await writeMigration("postgresql", "add_test_extra", {
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
    expect(await pgTables(shadowServer)).toEqual([]);
    const leftovers = await pgQuery<{ datname: string }>(
      postgres.serverUrl(),
      "SELECT datname FROM pg_database WHERE datname LIKE 'prisma_migrate_shadow_db_%'",
    );
    expect(leftovers).toEqual([]);

    const url = await postgres.newDatabase();
    expect((await applyPendingMigrations(url, dir)).applied.at(-1)).toBe("99990101000000_add_test_extra");
    expect(await pgTables(url)).toContain("test_extra");
  });

  it("needs a shadow database server to create a migration", async () => {
    const saved = process.env.SHADOW_DATABASE_URL;
    delete process.env.SHADOW_DATABASE_URL;
    try {
      const migrationsDir = copyOfMigrations("postgresql", scratch.fresh("migrations-postgresql"));
      await expect(writeMigration("postgresql", "x", { migrationsDir })).rejects.toThrow(/SHADOW_DATABASE_URL/);
    } finally {
      if (saved !== undefined) process.env.SHADOW_DATABASE_URL = saved;
    }
  });
});
