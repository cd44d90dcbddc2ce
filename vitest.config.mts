import path from "node:path";
import { configDefaults, defineConfig } from "vitest/config";

/**
 * The fast tier (`npm run test:fast`, vitest.fast.config.mts): no `next build`, no server process —
 * unit tests, and HTTP tests against the route modules in the test's own process
 * (test-support/in-process-server.ts).
 */
export const FAST_TIER = [
  "lib/**/*.test.ts",
  "scripts/**/*.test.ts",
  "test/login-api.test.ts",
  "test/admin-api.test.ts",
  "test/login-get-token.test.ts",
  "test/matrix-js-sdk.test.ts",
  "test/ui-auth-session-timeout.test.ts",
  "test/hardening/hostile-input.test.ts",
  "test/hardening/tokens.test.ts",
  "test/hardening/ui-auth-sessions.test.ts",
  "test/hardening/oidc-attacks.test.ts",
  "test/oauth/oauth-api-*.test.ts",
  "test/oauth/matrix-js-sdk-37.test.ts",
  "test/oauth/oauth-device-claim.test.ts",
  "test/account/unlink-race.test.ts",
  "test/bench-micro.test.ts",
];

export default defineConfig({
  resolve: { alias: { "@": path.resolve(__dirname) } },
  test: {
    include: ["lib/**/*.test.ts", "scripts/**/*.test.ts", "test/**/*.test.ts"],
    // After `npm run test:fast` in the same run (scripts/test.sh), its files are not run twice.
    exclude: process.env.FAST_TIER_DONE === "1" ? [...configDefaults.exclude, ...FAST_TIER] : configDefaults.exclude,
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
