// Prisma CLI configuration. The CLI is only used for `prisma generate` here: migrations are
// created and applied by scripts/db (Prisma's WebAssembly schema engine over a driver adapter),
// which keeps prisma/migrations in Prisma's standard layout so `prisma migrate deploy` also works
// wherever the native engine is available.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: process.env.PRISMA_SCHEMA ?? "prisma/schema.prisma",
  migrations: { path: process.env.PRISMA_MIGRATIONS ?? "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "file:./data/homeserver.db" },
});
