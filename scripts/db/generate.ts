// `npm run db:generate` (also run by `postinstall`): writes prisma/postgresql/schema.prisma from
// prisma/schema.prisma, then generates the Prisma client for both providers:
//   prisma/schema.prisma            → lib/db/generated/sqlite
//   prisma/postgresql/schema.prisma → lib/db/generated/postgresql
// `prisma generate` never runs the native schema engine, but Prisma 7's CLI wants one to exist
// (and can't always download it); PRISMA_SCHEMA_ENGINE_BINARY pointing at any existing file
// satisfies that check. Migrations don't use it: see lib/db/schema-engine.ts.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { POSTGRES_SCHEMA, syncSchemas } from "./sync-schemas";

const POSTGRES_MIGRATIONS = path.join("prisma", "postgresql", "migrations");

function prismaCli(projectRoot: string): string {
  const requireFromRoot = createRequire(path.join(projectRoot, "package.json"));
  const packageJson = requireFromRoot.resolve("prisma/package.json");
  const { bin } = requireFromRoot("prisma/package.json") as { bin: { prisma: string } };
  return path.join(path.dirname(packageJson), bin.prisma);
}

/** Runs `prisma generate` for one schema (through prisma.config.ts, which reads PRISMA_SCHEMA). */
export function prismaGenerate(schema: string, migrations: string, projectRoot: string = process.cwd()): void {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PRISMA_SCHEMA: schema,
    PRISMA_MIGRATIONS: migrations,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || process.execPath,
    CHECKPOINT_DISABLE: "1",
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
  };
  const result = spawnSync(process.execPath, [prismaCli(projectRoot), "generate"], {
    cwd: projectRoot,
    env,
    stdio: "inherit",
  });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`prisma generate failed for ${schema} (exit ${result.status})`);
}

/** sync-schemas, then `prisma generate` for the SQLite and the PostgreSQL schema. */
export function generateAll(projectRoot: string = process.cwd()): void {
  const { file, changed } = syncSchemas(projectRoot);
  process.stdout.write(`${path.relative(projectRoot, file)} ${changed ? "written" : "up to date"}\n`);
  prismaGenerate(path.join("prisma", "schema.prisma"), path.join("prisma", "migrations"), projectRoot);
  prismaGenerate(POSTGRES_SCHEMA, POSTGRES_MIGRATIONS, projectRoot);
}

if (require.main === module) {
  try {
    generateAll();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
}
