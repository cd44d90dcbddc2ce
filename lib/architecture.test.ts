// The shape rules of the codebase, checked on its import graph (madge, the same graph
// `npm run check:imports` prints): no import circles, and nothing that ships imports test code.
import path from "node:path";
// @ts-expect-error -- madge ships no type definitions; the two calls used are obj() and circular().
import madge from "madge";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..");
const SOURCES = ["lib", "app", "server.ts", "proxy.ts", "scripts", "test-support", "bench"];

interface ImportGraph {
  obj(): Record<string, string[]>;
  circular(): string[][];
}

async function importGraph(): Promise<ImportGraph> {
  return (await madge(SOURCES.map((source) => path.join(ROOT, source)), {
    baseDir: ROOT,
    fileExtensions: ["ts", "tsx"],
    tsConfig: path.join(ROOT, "tsconfig.json"),
    // Prisma's generated client has circles of its own; it is not ours to shape.
    excludeRegExp: [/^lib\/db\/generated\//],
  })) as ImportGraph;
}

/** Developer tooling that runs a throwaway database from test-support/: never part of a deployment. */
const DEVELOPER_TOOLS = new Set(["scripts/db/create-migration.ts"]);

const isTestCode = (file: string) =>
  file.startsWith("test-support/") || file.startsWith("test/") || file.startsWith("e2e/") || file.startsWith("bench/") || /\.test\.tsx?$/.test(file);

describe("the import graph", () => {
  it("has no circles", async () => {
    expect((await importGraph()).circular()).toEqual([]);
  }, 60_000);

  it("keeps test code out of what ships: nothing outside the tests imports test-support/", async () => {
    const graph = (await importGraph()).obj();
    const offenders = Object.entries(graph)
      .filter(([file]) => !isTestCode(file) && !DEVELOPER_TOOLS.has(file))
      .flatMap(([file, imports]) => imports.filter((imported) => imported.startsWith("test-support/")).map((imported) => `${file} → ${imported}`));
    expect(offenders).toEqual([]);
    // The check can see such an import: the tests themselves do import test-support/.
    expect(Object.entries(graph).some(([file, imports]) => isTestCode(file) && imports.some((imported) => imported.startsWith("test-support/")))).toBe(true);
  }, 60_000);
});
