// Concurrency and rate limiting over HTTP against the built server, on SQLite and PostgreSQL:
// a storm of first logins of one upstream user makes one account; rc_login limits per address,
// per account and for failed attempts, and the username picker's availability check per mapping
// session, answer M_LIMIT_EXCEEDED with retry_after_ms.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, freshDatabaseUrl } from "../../test-support/backends";
import { CookieClient } from "../../test-support/cookie-client";
import { loginWithFetch } from "../../test-support/oidc-provider";
import { startServer, type RunningServer } from "../../test-support/server";
import { startSsoFixture, type SsoFixture } from "../../test-support/sso-fixture";
import { createMappingSessionDirectly, createUserDirectly, disconnectAll, useDatabase } from "../../test-support/users";

describe.each(BACKENDS)("concurrency on %s", (backend) => {
  let fixture: SsoFixture;
  let databaseUrl: string;

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl(backend);
    fixture = await startSsoFixture({ databaseUrl });
  });

  afterAll(async () => {
    await fixture?.stop();
    await disconnectAll();
  });

  it("a storm of 20 simultaneous first logins of one upstream user creates one account", async () => {
    const base = fixture.server.baseUrl;
    // Twenty browsers each complete the IdP step; then all their callbacks arrive at once.
    const browsers = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const browser = new CookieClient();
        const start = await browser.get(`${base}/_matrix/client/v3/login/sso/redirect/oidc-corp?${new URLSearchParams({ redirectUrl: fixture.trustedClientUrl })}`);
        return { browser, callbackUrl: await loginWithFetch(start.headers.get("location")!, "alice", "alice-pw") };
      }),
    );
    const responses = await Promise.all(browsers.map(({ browser, callbackUrl }) => browser.get(callbackUrl)));
    expect(responses.map((response) => response.status)).toEqual(responses.map(() => 302));
    const userIds = new Set<string>();
    for (const response of responses) {
      const token = new URL(response.headers.get("location")!).searchParams.get("loginToken");
      const login = await fetch(`${base}/_matrix/client/v3/login`, { method: "POST", body: JSON.stringify({ type: "m.login.token", token }) });
      expect(login.status).toBe(200);
      userIds.add((await login.json()).user_id);
    }
    expect([...userIds]).toEqual(["@alice:test.local"]);
    const database = useDatabase(databaseUrl);
    expect(await database.user.count({ where: { userIdLower: { startsWith: "@alice" } } })).toBe(1);
    expect(await database.userExternalId.count({ where: { authProvider: "oidc-corp", externalId: "corp-alice" } })).toBe(1);
    expect(await database.threePid.count({ where: { address: "alice@corp.example" } })).toBe(1);
  });
});

describe.each(BACKENDS)("rc_login on %s", (backend) => {
  let server: RunningServer;
  let databaseUrl: string;

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl(backend);
    server = await startServer({
      databaseUrl,
      config: {
        // Trust X-Forwarded-For, so that the test can speak from several addresses.
        listeners: [{ port: 8008, type: "http", x_forwarded: true }],
        rc_login: {
          address: { per_second: 0.001, burst_count: 3 },
          account: { per_second: 0.001, burst_count: 2 },
          failed_attempts: { per_second: 0.001, burst_count: 2 },
        },
        // The picker's check, set lower than its default so the refill cannot blur the burst.
        rc_username_availability: { per_second: 0.01, burst_count: 30 },
      },
    });
    for (const localpart of ["ann", "ben", "cat"]) await createUserDirectly(databaseUrl, { localpart, password: `${localpart}-pw` });
  });

  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
  });

  const login = (user: string, password: string, address: string) =>
    fetch(`${server.baseUrl}/_matrix/client/v3/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Forwarded-For": address },
      body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user }, password }),
    });

  async function expectLimited(response: Response) {
    expect(response.status).toBe(429);
    const body = await response.json();
    expect(body).toMatchObject({ errcode: "M_LIMIT_EXCEEDED", error: "Too Many Requests" });
    expect(body.retry_after_ms).toBeGreaterThan(0);
    expect(Number(response.headers.get("retry-after"))).toBe(Math.ceil(body.retry_after_ms / 1000));
  }

  it("limits login attempts per address", async () => {
    for (let i = 0; i < 3; i++) expect((await login(`nobody${i}`, "x", "198.51.100.1")).status).toBe(403);
    await expectLimited(await login("ann", "ann-pw", "198.51.100.1"));
    // Another address is not affected.
    expect((await login("ann", "ann-pw", "198.51.100.2")).status).toBe(200);
  });

  it("limits failed attempts per account, then refuses even the right password", async () => {
    expect((await login("ben", "wrong", "198.51.100.10")).status).toBe(403);
    expect((await login("@BEN:test.local", "wrong", "198.51.100.11")).status).toBe(403);
    await expectLimited(await login("ben", "ben-pw", "198.51.100.12"));
    // Other accounts are not affected.
    expect((await login("cat", "cat-pw", "198.51.100.13")).status).toBe(200);
  });

  it("limits successful logins per account", async () => {
    expect((await login("cat", "cat-pw", "198.51.100.20")).status).toBe(200);
    await expectLimited(await login("cat", "cat-pw", "198.51.100.21"));
  });

  it("limits the username picker's availability check per mapping session, not per address", async () => {
    const newSession = () => createMappingSessionDirectly(databaseUrl);
    const [scanner, other] = [await newSession(), await newSession()];
    const check = (secret: string, username: string) =>
      fetch(`${server.baseUrl}/_synapse/client/pick_username/check?username=${username}`, {
        headers: { Cookie: `username_mapping_session=${secret}` },
      });
    // A burst of names (rc_username_availability.burst_count above), then the session must slow down.
    for (let i = 0; i < 30; i++) expect((await check(scanner, `name${i}`)).status).toBe(200);
    const refused = await check(scanner, "one-more");
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ errcode: "M_LIMIT_EXCEEDED", retry_after_ms: expect.any(Number) });
    // Another person's session, from the same address, is not affected.
    expect(await (await check(other, "ann")).json()).toEqual({ available: false });
  });
});
