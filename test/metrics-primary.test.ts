// Metrics with worker_processes > 1 (issue 17, points 2–3): the state purge runs in the primary,
// which serves no requests; its counter must still reach the scrape, once, beside the workers' sum.
import { randomBytes } from "node:crypto";
import { afterAll, expect, it } from "vitest";
import { applyPendingMigrations } from "../lib/db/schema-engine";
import { freshDatabaseUrl } from "../test-support/backends";
import { samples, scrape, total } from "../test-support/prometheus-text";
import { freePort, startServer, type RunningServer } from "../test-support/server";
import { createUserDirectly, disconnectAll, useDatabase } from "../test-support/users";

const EXPIRED_TOKENS = 120;
let server: RunningServer | undefined;

afterAll(async () => {
  await server?.stop();
  await disconnectAll();
});

it("counts the primary's state purge in the scrape of worker processes", async () => {
  // Expired login tokens (past Synapse's five minutes of grace) waiting before the service starts:
  // the purge that runs at start-up deletes them.
  const databaseUrl = await freshDatabaseUrl("sqlite");
  await applyPendingMigrations(databaseUrl);
  const userId = await createUserDirectly(databaseUrl, { localpart: "purged" });
  const expiredAt = new Date(Date.now() - 10 * 60_000);
  await useDatabase(databaseUrl).loginToken.createMany({
    data: Array.from({ length: EXPIRED_TOKENS }, () => ({ tokenHash: randomBytes(32).toString("hex"), userId, expiresAt: expiredAt })),
  });

  const metricsPort = await freePort();
  const metricsUrl = `http://127.0.0.1:${metricsPort}/_synapse/metrics`;
  server = await startServer({
    databaseUrl,
    config: { worker_processes: 2, enable_metrics: true, listeners: [{ port: metricsPort, type: "metrics", bind_addresses: ["127.0.0.1"] }] },
  });
  const deadline = Date.now() + 30_000;
  while ((server.output().match(/worker process \d+: listening/g) ?? []).length < 2) {
    if (Date.now() > deadline) throw new Error(`workers did not start:\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect((await fetch(`${server.baseUrl}/_matrix/client/versions`)).status).toBe(200);

  await expect
    .poll(async () => total((await scrape(metricsUrl)).samples, "synapse_sso_state_purged_rows_total", { table: "login_tokens" }), { timeout: 20_000 })
    .toBe(EXPIRED_TOKENS);
  const { samples: families } = await scrape(metricsUrl);
  // One family (the workers do not purge, so they do not declare it), beside the workers' request metrics.
  expect(samples(families, "synapse_sso_state_purged_rows_total", { table: "login_tokens" })).toHaveLength(1);
  expect(total(families, "synapse_http_server_requests_received_total", { servlet: "VersionsRestServlet" })).toBeGreaterThanOrEqual(1);
});
