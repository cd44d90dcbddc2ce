// The databases every integration test runs against: SQLite (a fresh file per use) and PostgreSQL
// (a fresh database per use on the run's cluster).
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { inject } from "vitest";
import { createDatabase } from "./postgres";

export type Backend = "sqlite" | "postgresql";
export const BACKENDS: Backend[] = ["sqlite", "postgresql"];

let counter = 0;

export async function freshDatabaseUrl(backend: Backend): Promise<string> {
  if (backend === "sqlite") {
    return `file:${path.join(mkdtempSync(path.join(os.tmpdir(), "hs-db-")), "homeserver.db")}`;
  }
  counter += 1;
  return createDatabase(inject("postgresUrl"), `t_${process.pid}_${Date.now()}_${counter}`);
}
