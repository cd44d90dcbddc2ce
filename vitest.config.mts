import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(__dirname) } },
  test: {
    include: ["lib/**/*.test.ts", "scripts/**/*.test.ts", "test/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Test files start servers and database clusters of their own; two at a time fits 2 cores.
    maxWorkers: 2,
    env: { NODE_ENV: "test" },
    setupFiles: ["test-support/no-network.ts"],
    globalSetup: ["test-support/global-setup.ts"],
  },
});
