// The migrations directories, in Prisma's standard layout, so that `prisma migrate deploy` and the
// Wasm engine read and record the same migrations:
//   SQLite     → prisma/migrations/<timestamp>_<name>/migration.sql (+ migration_lock.toml)
//   PostgreSQL → prisma/postgresql/migrations/…
// resolved from the working directory, i.e. the project root.
import { promises as fs } from "node:fs";
import path from "node:path";
import type { MigrationDirectory, MigrationList } from "@prisma/schema-engine-wasm/schema_engine_bg";
import type { DatabaseProvider } from "./adapter";

export const LOCKFILE_NAME = "migration_lock.toml";
export const MIGRATION_FILE_NAME = "migration.sql";

/** Where a provider's migrations live, relative to the project root. */
const MIGRATIONS_DIRS: Record<DatabaseProvider, string> = {
  sqlite: path.join("prisma", "migrations"),
  postgresql: path.join("prisma", "postgresql", "migrations"),
};

export function migrationsDirFor(provider: DatabaseProvider, projectRoot: string = process.cwd()): string {
  return path.resolve(/* turbopackIgnore: true */ projectRoot, MIGRATIONS_DIRS[provider]);
}

/**
 * Reads a migrations directory into the engine's input, as Prisma's CLI does: every
 * sub-directory is a migration (its `migration.sql`), in name order, plus the lock file.
 */
export async function readMigrationsList(migrationsDir: string): Promise<MigrationList> {
  const baseDir = path.resolve(migrationsDir);
  const lockContent = await fs.readFile(path.join(baseDir, LOCKFILE_NAME), "utf8").catch(() => null);
  const entries = await fs.readdir(baseDir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  const migrationDirectories: MigrationDirectory[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const content = await fs
      .readFile(path.join(baseDir, entry.name, MIGRATION_FILE_NAME), "utf8")
      .then((value) => ({ tag: "ok" as const, value }))
      .catch((error: Error) => ({ tag: "error" as const, value: error.message }));
    migrationDirectories.push({ path: entry.name, migrationFile: { path: MIGRATION_FILE_NAME, content } });
  }
  migrationDirectories.sort((a, b) => a.path.localeCompare(b.path));
  return {
    baseDir,
    lockfile: { path: LOCKFILE_NAME, content: lockContent },
    shadowDbInitScript: "",
    migrationDirectories,
  };
}
