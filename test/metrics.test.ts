// Prometheus metrics (issue 17, points 1–3): with enable_metrics and a `type: metrics` listener, the
// service serves Synapse's metric names and labels on that listener only, scraped and parsed as a
// Prometheus server would; with worker_processes: 2 one scrape is the sum over both workers.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startServer, type RunningServer } from "../test-support/server";
import { signInThroughIdp, startSsoFixture, type SsoFixture } from "../test-support/sso-fixture";
import { samples, scrape, total } from "../test-support/prometheus-text";
import { createUserDirectly, disconnectAll } from "../test-support/users";

const metricsConfig = (port: number) => ({
  enable_metrics: true,
  listeners: [
    { port: 0, type: "http", x_forwarded: false, resources: [{ names: ["client"] }] },
    { port, type: "metrics", bind_addresses: ["127.0.0.1"] },
  ],
});

const postJson = (url: string, body: unknown) => fetch(url, { method: "POST", body: JSON.stringify(body) });

describe("metrics, one process", () => {
  let fixture: SsoFixture;
  let base: string;
  let metricsUrl: string;

  beforeAll(async () => {
    const metricsPort = await freePort();
    metricsUrl = `http://127.0.0.1:${metricsPort}/_synapse/metrics`;
    fixture = await startSsoFixture({
      config: {
        ...metricsConfig(metricsPort),
        // Three wrong passwords in a row, then M_LIMIT_EXCEEDED (counted by limiter).
        rc_login: {
          address: { per_second: 1000, burst_count: 1000 },
          account: { per_second: 1000, burst_count: 1000 },
          failed_attempts: { per_second: 0.001, burst_count: 3 },
        },
      },
    });
    base = fixture.server.baseUrl;
    await createUserDirectly(fixture.server.databaseUrl, { localpart: "pat", password: "pat-pw" });
  });

  afterAll(async () => {
    await fixture?.stop();
    await disconnectAll();
  });

  it("serves the Prometheus text format on the metrics listener, with the default process metrics", async () => {
    const { samples: families, contentType } = await scrape(metricsUrl);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(total(families, "process_cpu_seconds_total")).toBeGreaterThan(0);
    expect(total(families, "process_resident_memory_bytes")).toBeGreaterThan(0);
    // Counters start at 0 for password logins and every IdP, as Synapse's init_counters_for_auth_provider.
    expect(samples(families, "synapse_user_logins_total", { guest: "False", auth_provider: "oidc-corp" })).toHaveLength(1);
    expect(samples(families, "synapse_user_registrations_total", { guest: "False", shadow_banned: "False", auth_provider: "" })).toHaveLength(1);
  });

  it("does not serve metrics on the client port", async () => {
    const response = await fetch(`${base}/_synapse/metrics`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain("synapse_http_server");
  });

  it("counts requests as Synapse labels them: method, servlet (Synapse's class name), tag, code", async () => {
    const before = (await scrape(metricsUrl)).samples;
    for (let i = 0; i < 3; i++) expect((await fetch(`${base}/_matrix/client/v3/login`)).status).toBe(200);
    expect((await postJson(`${base}/_matrix/client/v3/login`, { type: "m.login.password", identifier: { type: "m.id.user", user: "pat" }, password: "wrong" })).status).toBe(403);
    expect((await fetch(`${base}/_matrix/client/v3/nothing/here`)).status).toBe(404);
    const after = (await scrape(metricsUrl)).samples;
    const delta = (name: string, labels: Record<string, string>) => total(after, name, labels) - total(before, name, labels);

    expect(delta("synapse_http_server_requests_received_total", { method: "GET", servlet: "LoginRestServlet" })).toBe(3);
    expect(delta("synapse_http_server_requests_received_total", { method: "POST", servlet: "LoginRestServlet" })).toBe(1);
    expect(delta("synapse_http_server_requests_received_total", { method: "GET", servlet: "unrecognised_request_handler" })).toBe(1);
    expect(delta("synapse_http_server_responses_total", { method: "POST", code: "403" })).toBe(1);
    expect(delta("synapse_http_server_response_time_seconds_count", { method: "GET", servlet: "LoginRestServlet", tag: "", code: "200" })).toBe(3);
    expect(delta("synapse_http_server_response_time_seconds_count", { method: "POST", servlet: "LoginRestServlet", tag: "", code: "403" })).toBe(1);
    const [count] = samples(after, "synapse_http_server_response_time_seconds_count", { method: "GET", servlet: "LoginRestServlet", code: "200" });
    expect(count.labels).toEqual({ method: "GET", servlet: "LoginRestServlet", tag: "", code: "200", server_name: "test.local" });
    // Synapse's (prometheus_client's default) buckets, cumulative up to +Inf (prom-client writes
    // 1 where Python writes 1.0: the same number to Prometheus).
    const buckets = samples(after, "synapse_http_server_response_time_seconds_bucket", { method: "GET", servlet: "LoginRestServlet", code: "200" });
    expect(buckets.map((bucket) => bucket.labels.le)).toEqual(["0.005", "0.01", "0.025", "0.05", "0.075", "0.1", "0.25", "0.5", "0.75", "1", "2.5", "5", "7.5", "10", "+Inf"]);
    expect(buckets.at(-1)?.value).toBe(count.value);
  });

  it("counts logins and registrations with Synapse's labels, and SSO outcomes per IdP", async () => {
    const before = (await scrape(metricsUrl)).samples;

    const password = await postJson(`${base}/_matrix/client/v3/login`, { type: "m.login.password", identifier: { type: "m.id.user", user: "pat" }, password: "pat-pw" });
    expect(password.status).toBe(200);

    // A new user through the real OpenID Provider: registered, then logged in with the login token.
    const { browser, callbackUrl } = await signInThroughIdp(base, "oidc-corp", "alice", "alice-pw", fixture.trustedClientUrl);
    const callback = await browser.get(callbackUrl);
    expect(callback.status).toBe(302);
    const token = new URL(callback.headers.get("location")!).searchParams.get("loginToken");
    expect((await postJson(`${base}/_matrix/client/v3/login`, { type: "m.login.token", token })).status).toBe(200);
    expect((await postJson(`${base}/_matrix/client/v3/login`, { type: "m.login.token", token })).status).toBe(403);

    // Refused by attribute_requirements.
    const refused = await signInThroughIdp(base, "oidc-corp", "mallory", "mallory-pw", fixture.trustedClientUrl);
    expect((await refused.browser.get(refused.callbackUrl)).status).toBe(400);

    const after = (await scrape(metricsUrl)).samples;
    const delta = (name: string, labels: Record<string, string>) => total(after, name, labels) - total(before, name, labels);
    expect(delta("synapse_user_logins_total", { guest: "False", auth_provider: "" })).toBe(1);
    expect(delta("synapse_user_logins_total", { guest: "False", auth_provider: "oidc-corp" })).toBe(1);
    expect(delta("synapse_user_registrations_total", { guest: "False", shadow_banned: "False", auth_provider: "oidc-corp" })).toBe(1);
    expect(delta("synapse_sso_logins_total", { idp_id: "oidc-corp", outcome: "success" })).toBe(1);
    expect(delta("synapse_sso_logins_total", { idp_id: "oidc-corp", outcome: "attribute_requirement" })).toBe(1);
    expect(delta("synapse_sso_login_token_exchanges_total", { result: "success" })).toBe(1);
    expect(delta("synapse_sso_login_token_exchanges_total", { result: "invalid" })).toBe(1);
    expect(delta("synapse_http_server_requests_received_total", { method: "GET", servlet: "OIDCCallbackResource" })).toBe(2);
    expect(delta("synapse_http_server_requests_received_total", { method: "GET", servlet: "SsoRedirectServlet" })).toBe(2);
    // bcrypt work is over: nothing left queued.
    expect(total(after, "synapse_sso_password_hashing_queue_length")).toBe(0);
  });

  it("counts the username picker's checks and submissions, and rate-limit rejections", async () => {
    const before = (await scrape(metricsUrl)).samples;
    const { browser, callbackUrl } = await signInThroughIdp(base, "oidc-social", "friend0", "social-pw-0", fixture.trustedClientUrl);
    expect((await browser.get(callbackUrl)).headers.get("location")).toBe("/_synapse/client/pick_username/account_details");
    const check = (username: string) => browser.get(`${base}/_synapse/client/pick_username/check?${new URLSearchParams({ username })}`);
    expect(await (await check("pat")).json()).toEqual({ available: false });
    expect(await (await check("newfriend")).json()).toEqual({ available: true });
    expect((await check("_hidden")).status).toBe(400);
    const submit = (username: string) => browser.postForm(`${base}/_synapse/client/pick_username/account_details`, { username });
    expect((await submit("pat")).status).toBe(303); // refused: back to the form (POST-redirect-GET)
    expect([302, 303]).toContain((await submit("newfriend")).status);

    const wrong = () =>
      postJson(`${base}/_matrix/client/v3/login`, { type: "m.login.password", identifier: { type: "m.id.user", user: "pat" }, password: "nope" });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await wrong()).status);
    expect(statuses).toContain(429);

    const after = (await scrape(metricsUrl)).samples;
    const delta = (name: string, labels: Record<string, string>) => total(after, name, labels) - total(before, name, labels);
    expect(delta("synapse_sso_username_availability_checks_total", { result: "taken" })).toBe(1);
    expect(delta("synapse_sso_username_availability_checks_total", { result: "available" })).toBe(1);
    expect(delta("synapse_sso_username_availability_checks_total", { result: "invalid" })).toBe(1);
    expect(delta("synapse_sso_username_picker_submissions_total", { outcome: "collision" })).toBe(1);
    expect(delta("synapse_sso_username_picker_submissions_total", { outcome: "registered" })).toBe(1);
    expect(delta("synapse_user_registrations_total", { auth_provider: "oidc-social" })).toBe(1);
    expect(delta("synapse_sso_rate_limit_rejections_total", { limiter: "rc_login.failed_attempts" })).toBe(statuses.filter((status) => status === 429).length);
  });
});

/** One GET on its own TCP connection, so that successive requests spread over the workers. */
function getOnNewConnection(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
    }).on("error", reject);
  });
}

describe("metrics, worker_processes: 2", () => {
  let server: RunningServer;
  let metricsUrl: string;

  beforeAll(async () => {
    const metricsPort = await freePort();
    metricsUrl = `http://127.0.0.1:${metricsPort}/_synapse/metrics`;
    server = await startServer({ config: { worker_processes: 2, ...metricsConfig(metricsPort) } });
    const deadline = Date.now() + 30_000;
    while ((server.output().match(/worker process \d+: listening/g) ?? []).length < 2) {
      if (Date.now() > deadline) throw new Error(`workers did not start:\n${server.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("answers one scrape with the sum over every worker", async () => {
    const before = (await scrape(metricsUrl)).samples;
    const requests = 40;
    for (let i = 0; i < requests; i++) expect(await getOnNewConnection(`${server.baseUrl}/_matrix/client/versions`)).toBe(200);
    const after = (await scrape(metricsUrl)).samples;
    const labels = { method: "GET", servlet: "VersionsRestServlet" };
    expect(total(after, "synapse_http_server_requests_received_total", labels) - total(before, "synapse_http_server_requests_received_total", labels)).toBe(requests);
    expect(total(after, "synapse_http_server_response_time_seconds_count", { ...labels, code: "200" })).toBeGreaterThanOrEqual(requests);
    // The primary serves no requests, and node:cluster hands new connections to the workers in
    // turn: all 40 can only be counted by summing both workers' counters.
    // The client port does not serve them.
    expect((await fetch(`${server.baseUrl}/_synapse/metrics`)).status).toBe(404);
  });
});
