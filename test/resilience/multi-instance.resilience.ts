// Two instances of the service on one PostgreSQL database behind a loopback round-robin balancer
// (every request goes to the other instance than the one before): flows that start on one instance
// and continue on the other work — the username picker with its mapping session, the hand-off,
// login tokens, UI auth, refresh — and a storm of first logins of one upstream user still makes one
// account; rc_login limits are shared.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieClient } from "../../test-support/cookie-client";
import { loginWithFetch, startOidcProvider, type RunningOidcProvider } from "../../test-support/oidc-provider";
import { startPostgres, type PostgresCluster } from "../../test-support/postgres";
import { startRoundRobin, type RoundRobin } from "../../test-support/round-robin";
import { freePort, startServer, type RunningServer } from "../../test-support/server";
import { CORP_ACCOUNTS, SOCIAL_ACCOUNTS } from "../../test-support/sso-fixture";
import { createUserDirectly, disconnectAll, useDatabase } from "../../test-support/users";

describe("two instances on one PostgreSQL", () => {
  let cluster: PostgresCluster;
  let idp: RunningOidcProvider;
  let instances: RunningServer[] = [];
  let balancer: RoundRobin;
  let base: string;
  const clientUrl = "https://client.example/app";
  const database = () => useDatabase(cluster.url);

  beforeAll(async () => {
    cluster = await startPostgres();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    idp = await startOidcProvider({
      accounts: [...CORP_ACCOUNTS, ...SOCIAL_ACCOUNTS],
      clients: [{ client_id: "homeserver", client_secret: "s3cret", redirect_uris: [`${base}/_synapse/client/oidc/callback`] }],
    });
    const config = {
      // Both instances: the balancer's address as public_baseurl, and one signing secret (testConfig's).
      public_baseurl: `${base}/`,
      sso: { client_whitelist: ["https://client.example/trusted"] },
      rc_login: {
        address: { per_second: 1000, burst_count: 1000 },
        account: { per_second: 1000, burst_count: 1000 },
        failed_attempts: { per_second: 0.001, burst_count: 3 },
      },
      oidc_providers: [
        { idp_id: "mapped", idp_name: "Mapped", issuer: idp.issuer, client_id: "homeserver", client_secret: "s3cret", scopes: ["openid", "profile", "email"], user_mapping_provider: { config: { localpart_template: "{{ user.preferred_username }}" } } },
        { idp_id: "picker", idp_name: "Picker", issuer: idp.issuer, client_id: "homeserver", client_secret: "s3cret", scopes: ["openid", "profile"], user_mapping_provider: { config: {} } },
      ],
    };
    // One after the other: the first applies the migrations.
    instances.push(await startServer({ databaseUrl: cluster.url, config }));
    instances.push(await startServer({ databaseUrl: cluster.url, config }));
    balancer = await startRoundRobin(instances.map((instance) => instance.baseUrl), port);
    await createUserDirectly(cluster.url, { localpart: "uma", password: "uma-password" });
    await createUserDirectly(cluster.url, { localpart: "victim", password: "victim-password" });
  });

  afterAll(async () => {
    await balancer?.close();
    for (const instance of instances) await instance.stop();
    await idp?.stop();
    await disconnectAll();
    await cluster?.stop();
  });

  /** The backends that served the requests logged since `from`. */
  const backendsSince = (from: number) => new Set(balancer.log.slice(from).map((entry) => entry.backend));

  it("alternates between the instances", async () => {
    const from = balancer.log.length;
    for (let i = 0; i < 4; i++) expect((await fetch(`${base}/_matrix/client/v3/login`)).status).toBe(200);
    expect(balancer.log.slice(from).map((entry) => entry.backend)).toEqual([0, 1, 0, 1].map((b) => (b + from) % 2));
  });

  it("the username picker, the hand-off and the login token cross instances", async () => {
    const from = balancer.log.length;
    const browser = new CookieClient();
    const start = await browser.get(`${base}/_matrix/client/v3/login/sso/redirect/oidc-picker?${new URLSearchParams({ redirectUrl: clientUrl })}`);
    expect(start.status).toBe(302);
    const callback = await browser.get(await loginWithFetch(start.headers.get("location")!, "friend0", "social-pw-0"));
    expect(callback.status).toBe(302);
    expect((await browser.get(`${base}/_synapse/client/pick_username/account_details`)).status).toBe(200);
    expect(await (await browser.get(`${base}/_synapse/client/pick_username/check?username=roamer`)).json()).toEqual({ available: true });
    const submitted = await browser.postForm(`${base}/_synapse/client/pick_username/account_details`, { username: "roamer" });
    expect(submitted.status).toBe(303); // on to the confirm page (the client is not whitelisted)
    expect((await browser.get(`${base}/_synapse/client/sso_confirm`)).status).toBe(200);
    const confirmed = await browser.postForm(`${base}/_synapse/client/sso_confirm`, {});
    expect(confirmed.status).toBe(303);
    const token = new URL(confirmed.headers.get("location")!).searchParams.get("loginToken");
    const login = await fetch(`${base}/_matrix/client/v3/login`, { method: "POST", body: JSON.stringify({ type: "m.login.token", token }) });
    expect(login.status).toBe(200);
    expect((await login.json()).user_id).toBe("@roamer:test.local");
    const replay = await fetch(`${base}/_matrix/client/v3/login`, { method: "POST", body: JSON.stringify({ type: "m.login.token", token }) });
    expect(replay.status).toBe(403);
    expect(backendsSince(from)).toEqual(new Set([0, 1]));
  });

  it("UI auth started on one instance completes on the other, and refresh tokens work on either", async () => {
    const login = async (extra: Record<string, unknown> = {}) =>
      (await (
        await fetch(`${base}/_matrix/client/v3/login`, { method: "POST", body: JSON.stringify({ type: "m.login.password", user: "uma", password: "uma-password", ...extra }) })
      ).json()) as { access_token: string; device_id: string; refresh_token?: string };
    const me = await login();
    const other = await login();
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${base}${path}`, { method, headers: { Authorization: `Bearer ${me.access_token}` }, body: body === undefined ? undefined : JSON.stringify(body) });
    const challenge = await call("POST", "/_matrix/client/v3/delete_devices", { devices: [other.device_id] });
    expect(challenge.status).toBe(401);
    const { session } = await challenge.json();
    // The password stage through the fallback page (on whichever instance), then the operation.
    const fallback = await fetch(`${base}/_matrix/client/v3/auth/m.login.password/fallback/web?session=${session}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "password=uma-password",
    });
    expect(fallback.status).toBe(200);
    const done = await call("POST", "/_matrix/client/v3/delete_devices", { devices: [other.device_id], auth: { session } });
    expect(done.status).toBe(200);
    expect((await fetch(`${base}/_matrix/client/v3/account/whoami`, { headers: { Authorization: `Bearer ${other.access_token}` } })).status).toBe(401);

    const refreshable = await login({ refresh_token: true });
    const refreshed = await fetch(`${base}/_matrix/client/v3/refresh`, { method: "POST", body: JSON.stringify({ refresh_token: refreshable.refresh_token }) });
    expect(refreshed.status).toBe(200);
    const pair = await refreshed.json();
    for (let i = 0; i < 2; i++) {
      expect((await fetch(`${base}/_matrix/client/v3/account/whoami`, { headers: { Authorization: `Bearer ${pair.access_token}` } })).status).toBe(200);
    }
    const stale = await fetch(`${base}/_matrix/client/v3/refresh`, { method: "POST", body: JSON.stringify({ refresh_token: refreshable.refresh_token }) });
    expect(stale.status).toBe(403);
  });

  it("a storm of 20 first logins of one upstream user over both instances makes one account", async () => {
    const browsers = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const browser = new CookieClient();
        const start = await browser.get(`${base}/_matrix/client/v3/login/sso/redirect/oidc-mapped?${new URLSearchParams({ redirectUrl: "https://client.example/trusted" })}`);
        return { browser, callbackUrl: await loginWithFetch(start.headers.get("location")!, "alice", "alice-pw") };
      }),
    );
    const from = balancer.log.length;
    const responses = await Promise.all(browsers.map(({ browser, callbackUrl }) => browser.get(callbackUrl)));
    expect(backendsSince(from)).toEqual(new Set([0, 1]));
    expect(responses.map((response) => response.status)).toEqual(responses.map(() => 302));
    for (const response of responses) expect(response.headers.get("location")).toContain("loginToken=");
    expect(await database().user.count({ where: { userIdLower: { startsWith: "@alice" } } })).toBe(1);
    expect(await database().userExternalId.count({ where: { userId: "@alice:test.local" } })).toBe(1);
  });

  it("shares rc_login's failed-attempt limit between the instances", async () => {
    const attempt = (password: string) =>
      fetch(`${base}/_matrix/client/v3/login`, { method: "POST", body: JSON.stringify({ type: "m.login.password", user: "victim", password }) });
    const from = balancer.log.length;
    for (let i = 0; i < 3; i++) expect((await attempt(`guess-${i}`)).status).toBe(403);
    // Whichever instance answers, the fourth attempt is over the shared limit, even with the right password.
    for (let i = 0; i < 2; i++) {
      const limited = await attempt("victim-password");
      expect(limited.status).toBe(429);
      expect((await limited.json()).retry_after_ms).toBeGreaterThan(0);
    }
    expect(backendsSince(from)).toEqual(new Set([0, 1]));
  });
});
