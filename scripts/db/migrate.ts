// `npm run db:migrate`: applies the pending migrations to DATABASE_URL (default
// file:./data/homeserver.db) and prints what it applied. Equivalent to `prisma migrate deploy`:
// migrations come from prisma/migrations (SQLite) or prisma/postgresql/migrations (PostgreSQL)
// and are recorded in `_prisma_migrations`.
import { DEFAULT_DATABASE_URL, databaseProviderOf } from "../../lib/db/adapter";
import { applyPendingMigrations } from "../../lib/db/schema-engine";

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const provider = databaseProviderOf(databaseUrl);
  const { applied } = await applyPendingMigrations(databaseUrl);
  if (applied.length === 0) {
    process.stdout.write(`${provider}: database is up to date, no migration applied.\n`);
  } else {
    process.stdout.write(`${provider}: applied ${applied.length} migration(s):\n`);
    for (const name of applied) process.stdout.write(`  ${name}\n`);
  }
}

main().catch((error: Error) => {
  process.stderr.write(`db:migrate failed: ${error.message}\n`);
  process.exit(1);
});
