// `npm run db:migration:create -- <name>`: after a change to prisma/schema.prisma, writes the
// next migration for both providers, `prisma migrate dev --create-only` style:
//   1. sync prisma/postgresql/schema.prisma and regenerate both Prisma clients;
//   2. for SQLite and for PostgreSQL, diff "the state the existing migrations produce" against
//      the schema and write prisma/[postgresql/]migrations/<timestamp>_<name>/migration.sql
//      (both with the same timestamp), or say that nothing changed.
// Review the SQL before committing it. The PostgreSQL diff needs a PostgreSQL server for its
// shadow database: SHADOW_DATABASE_URL if set (any database on a server where that role may
// CREATE DATABASE), otherwise a throwaway local cluster (test-support/postgres.ts; needs the
// PostgreSQL server binaries, e.g. `apt-get install postgresql-15`).
import path from "node:path";
import type { DatabaseProvider } from "../../lib/db/adapter";
import { startPostgres } from "../../test-support/postgres";
import { generateAll } from "./generate";
import { migrationTimestamp, writeMigration } from "./write-migration";

async function withShadowServer<T>(job: (url: string) => Promise<T>): Promise<T> {
  if (process.env.SHADOW_DATABASE_URL) return job(process.env.SHADOW_DATABASE_URL);
  process.stdout.write("postgresql: starting a throwaway PostgreSQL cluster for the shadow database…\n");
  const cluster = await startPostgres({ database: "shadow_host" });
  try {
    return await job(cluster.url);
  } finally {
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  const name = process.argv.slice(2).find((arg) => !arg.startsWith("-"));
  if (!name) {
    process.stderr.write("usage: npm run db:migration:create -- <name>   (e.g. add_user_locale)\n");
    process.exit(2);
  }

  generateAll();

  const timestamp = migrationTimestamp();
  const report = (provider: DatabaseProvider, result: Awaited<ReturnType<typeof writeMigration>>) => {
    if (!result.created) {
      process.stdout.write(`${provider}: the schema matches the migrations, no migration created.\n`);
    } else {
      process.stdout.write(`${provider}: created ${path.relative(process.cwd(), result.directory!)}/migration.sql\n`);
    }
  };

  report("sqlite", await writeMigration("sqlite", name, { timestamp }));
  await withShadowServer(async (shadowDatabaseUrl) => {
    report("postgresql", await writeMigration("postgresql", name, { timestamp, shadowDatabaseUrl }));
  });
}

main().catch((error: Error) => {
  process.stderr.write(`db:migration:create failed: ${error.message}\n`);
  process.exit(1);
});
