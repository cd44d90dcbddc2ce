// A fresh database of either backend with the project's migrations applied, and the Prisma client
// the service would use on it: the starting point of tests that read or write the real schema.
import { createDatabase, type Database } from "../lib/db/client";
import { applyPendingMigrations } from "../lib/db/schema-engine";
import { freshDatabaseUrl, type Backend } from "./backends";

export async function freshMigratedDatabase(backend: Backend): Promise<Database> {
  const url = await freshDatabaseUrl(backend);
  await applyPendingMigrations(url);
  return createDatabase(url);
}
