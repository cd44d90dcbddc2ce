// One throwaway PostgreSQL cluster for the whole vitest run; each test file makes its own database
// on it (createDatabase), so files stay independent.
import type { TestProject } from "vitest/node";
import { startPostgres } from "./postgres";

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const cluster = await startPostgres();
  project.provide("postgresUrl", cluster.url);
  return async () => {
    await cluster.stop();
  };
}
