// Bounded state (issue 17, point 5): a storm of abandoned SSO attempts and expired tokens is purged
// by the running service (at start-up, then every `state_purge_interval`), in batches, while logins keep being
// answered; rows that have not expired (and login tokens within Synapse's five minutes of grace)
// stay. On PostgreSQL an instance that finds another purging leaves the round to it.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { purgeExpiredState } from "../lib/maintenance/state-purge";
import { BACKENDS, freshDatabaseUrl } from "../test-support/backends";
import { startServer, type RunningServer } from "../test-support/server";
import { createUserDirectly, disconnectAll, useDatabase } from "../test-support/users";
import { applyPendingMigrations } from "../lib/db/schema-engine";

const INTERVAL_MS = 10_000;
const STORM = 10_000;
const id = () => randomBytes(16).toString("hex");

/** The storm: expired rows in every purged table, and the rows that must survive it. */
async function seedStorm(databaseUrl: string, userId: string): Promise<void> {
  const database = useDatabase(databaseUrl);
  const now = Date.now();
  const ago = (ms: number) => new Date(now - ms);
  const ahead = (ms: number) => new Date(now + ms);
  const chunks = <T>(rows: T[]) => Array.from({ length: Math.ceil(rows.length / 2000) }, (_, i) => rows.slice(i * 2000, (i + 1) * 2000));

  const mappingSession = (expiresAt: Date) => ({
    idHash: id(),
    authProviderId: "oidc-corp",
    remoteUserId: id(),
    clientRedirectUrl: "https://client.example/",
    expiresAt,
  });
  // Abandoned SSO attempts: sign-up sessions past their hour of grace, unused login tokens past
  // their five minutes, unconfirmed hand-offs, outstanding SAML requests.
  for (const rows of chunks(Array.from({ length: STORM }, () => mappingSession(ago(2 * 3_600_000))))) await database.usernameMappingSession.createMany({ data: rows });
  for (const rows of chunks(Array.from({ length: STORM }, () => ({ tokenHash: id(), userId, expiresAt: ago(10 * 60_000) })))) await database.loginToken.createMany({ data: rows });
  await database.ssoHandoff.createMany({
    data: Array.from({ length: 1000 }, () => ({ idHash: id(), userId, clientRedirectUrl: "https://client.example/", authProviderId: "oidc-corp", expiresAt: ago(60_000) })),
  });
  await database.uiAuthSession.createMany({
    data: Array.from({ length: 1000 }, () => ({ id: id(), userId, requestDigest: "x", description: "delete a device", expiresAt: ago(60_000) })),
  });
  await database.samlRequest.createMany({ data: Array.from({ length: 1000 }, () => ({ id: id(), clientRedirectUrl: "https://client.example/", expiresAt: ago(60_000) })) });
  await database.rateLimitBucket.createMany({ data: Array.from({ length: 1000 }, () => ({ key: id(), emptyAt: now - 60_000 })) });

  // What must stay: live rows, and login tokens expired less than five minutes ago (Synapse).
  await database.usernameMappingSession.createMany({ data: [mappingSession(ahead(600_000)), mappingSession(ago(60_000))] });
  await database.loginToken.createMany({ data: [{ tokenHash: id(), userId, expiresAt: ahead(60_000) }, { tokenHash: id(), userId, expiresAt: ago(60_000) }] });
  await database.ssoHandoff.create({ data: { idHash: id(), userId, clientRedirectUrl: "https://client.example/", authProviderId: "oidc-corp", expiresAt: ahead(60_000) } });
  await database.uiAuthSession.create({ data: { id: id(), userId, requestDigest: "x", description: "delete a device", expiresAt: ahead(60_000) } });
  await database.samlRequest.create({ data: { id: id(), clientRedirectUrl: "https://client.example/", expiresAt: ahead(60_000) } });
  await database.rateLimitBucket.create({ data: { key: id(), emptyAt: now + 3_600_000 } });
}

async function tableSizes(databaseUrl: string) {
  const database = useDatabase(databaseUrl);
  return {
    username_mapping_sessions: await database.usernameMappingSession.count(),
    login_tokens: await database.loginToken.count(),
    sso_handoffs: await database.ssoHandoff.count(),
    ui_auth_sessions: await database.uiAuthSession.count(),
    saml_requests: await database.samlRequest.count(),
    rate_limit_buckets: await database.rateLimitBucket.count(),
  };
}

const STEADY = { username_mapping_sessions: 2, login_tokens: 2, sso_handoffs: 1, ui_auth_sessions: 1, saml_requests: 1, rate_limit_buckets: 1 };

describe.each(BACKENDS)("state purge (%s)", (backend) => {
  let server: RunningServer | undefined;

  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
  });

  it("returns the tables to their steady size within one interval, answering logins meanwhile", async () => {
    // The storm is written before the service starts: another process writing 20 000 rows into
    // SQLite meanwhile would measure SQLite's single writer, not the purge.
    const databaseUrl = await freshDatabaseUrl(backend);
    await applyPendingMigrations(databaseUrl);
    const userId = await createUserDirectly(databaseUrl, { localpart: "steady", password: "steady-pw" });
    await seedStorm(databaseUrl, userId);
    expect((await tableSizes(databaseUrl)).login_tokens).toBe(STORM + 2);
    server = await startServer({ databaseUrl, config: { state_purge_interval: `${INTERVAL_MS / 1000}s` } });
    const seeded = Date.now();

    const latencies: number[] = [];
    const statuses: number[] = [];
    let sizes = await tableSizes(databaseUrl);
    let steadyAt: number | undefined;
    while (Date.now() - seeded < INTERVAL_MS * 3) {
      const started = performance.now();
      const response = await fetch(`${server.baseUrl}/_matrix/client/v3/login`, {
        method: "POST",
        body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: "steady" }, password: "steady-pw" }),
      }).catch((error: unknown) => {
        throw new Error(`login failed during the purge (${String(error)}); the server said:\n${server?.output()}`);
      });
      statuses.push(response.status);
      latencies.push(performance.now() - started);
      // Each login leaves a device and an access token, in tables the purge does not touch.
      const { access_token: accessToken } = await response.json();
      expect(accessToken).toMatch(/^syt_/);
      sizes = await tableSizes(databaseUrl);
      const { rate_limit_buckets: buckets, ...rest } = sizes;
      const { rate_limit_buckets: _steadyBuckets, ...steadyRest } = STEADY;
      // PostgreSQL keeps live rc_login buckets of these very logins; SQLite keeps them in memory.
      if (JSON.stringify(rest) === JSON.stringify(steadyRest) && buckets <= 1 + 3) {
        steadyAt = Date.now();
        break;
      }
    }
    const elapsed = (steadyAt ?? Date.now()) - seeded;
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(
      `[${backend}] steady ${steadyAt ? `after ${elapsed} ms` : "NOT reached"} (interval ${INTERVAL_MS} ms); ${latencies.length} logins during the purge, ` +
        `p50 ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} ms, max ${sorted[sorted.length - 1]?.toFixed(1)} ms; sizes ${JSON.stringify(sizes)}`,
    );
    expect(steadyAt, `tables still at ${JSON.stringify(sizes)}`).toBeDefined();
    // The start-up round has cleared the storm within one interval of the service answering.
    expect(elapsed).toBeLessThanOrEqual(INTERVAL_MS);
    expect(statuses.every((status) => status === 200)).toBe(true);
    expect(latencies.length).toBeGreaterThan(3);
    // The round logs what it deleted once it has been through every table.
    for (const deadline = Date.now() + INTERVAL_MS; !/state purge: deleted \d+ expired rows/.test(server.output()); ) {
      expect(Date.now(), server.output()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    // Later rounds, every interval: a few more abandoned attempts go too.
    const database = useDatabase(databaseUrl);
    await database.loginToken.createMany({ data: Array.from({ length: 100 }, () => ({ tokenHash: id(), userId, expiresAt: new Date(Date.now() - 10 * 60_000) })) });
    const added = Date.now();
    while ((await tableSizes(databaseUrl)).login_tokens > STEADY.login_tokens) {
      expect(Date.now() - added, "the next round did not come within one interval").toBeLessThanOrEqual(INTERVAL_MS + 3_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });

  // Several instances share a database only on PostgreSQL (advisory lock); the SQLite run lists this
  // test as skipped, on purpose.
  it.runIf(backend === "postgresql")("leaves the round to another instance that holds the purge lock", async () => {
    const databaseUrl = await freshDatabaseUrl(backend);
    await applyPendingMigrations(databaseUrl);
    const userId = await createUserDirectly(databaseUrl, { localpart: "locked" });
    await seedStorm(databaseUrl, userId);
    // Another instance mid-batch: it holds the transaction-level advisory lock.
    // purgeExpiredState asks DATABASE_URL which database this is, as the service does.
    const previousUrl = process.env.DATABASE_URL;
    process.env.DATABASE_URL = databaseUrl;
    const other = new pg.Client({ connectionString: databaseUrl });
    await other.connect();
    try {
      await other.query("BEGIN");
      await other.query(`SELECT pg_advisory_xact_lock(${0x5e55_1017})`);
      const skipped = await purgeExpiredState();
      expect(skipped.skipped).toBe(true);
      expect((await tableSizes(databaseUrl)).login_tokens).toBe(STORM + 2);
      await other.query("COMMIT");
    } finally {
      await other.end();
    }
    const done = await purgeExpiredState();
    expect(done.skipped).toBe(false);
    expect(done.deleted).toMatchObject({ login_tokens: STORM, username_mapping_sessions: STORM, sso_handoffs: 1000, ui_auth_sessions: 1000, saml_requests: 1000, rate_limit_buckets: 1000 });
    expect(await tableSizes(databaseUrl)).toEqual(STEADY);
    process.env.DATABASE_URL = previousUrl;
  });
});
