// `npm run test:resilience`: the fault and multi-instance tests (test/resilience/*.resilience.ts),
// kept out of `npm test` because they stop databases and kill processes on purpose and take longer.
// Each file starts its own PostgreSQL cluster; files run one at a time.
import path from "node:path";
import { defineConfig } from "vitest/config";

const root = path.resolve(import.meta.dirname, "../..");

export default defineConfig({
  root,
  resolve: { alias: { "@": root } },
  test: {
    include: ["test/resilience/**/*.resilience.ts"],
    environment: "node",
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    maxWorkers: 1,
    env: { NODE_ENV: "test" },
    setupFiles: ["test-support/no-network.ts"],
  },
});
