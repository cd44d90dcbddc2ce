// The password/token login API over real HTTP (the in-process tier: test-support/in-process-server.ts), on SQLite and PostgreSQL:
// exact statuses and bodies as Synapse answers them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLoginToken } from "../lib/auth/login-tokens";
import { storeExtraAttributes } from "../lib/sso/extra-attributes";
import { BACKENDS, freshDatabaseUrl } from "../test-support/backends";
import { startInProcessServer } from "../test-support/in-process-server";
import type { RunningServer } from "../test-support/server";
import { createUserDirectly, disconnectAll, useDatabase } from "../test-support/users";

interface Case {
  name: string;
  method?: string;
  path?: string;
  body?: unknown;
  rawBody?: string;
  expected: { status: number; json?: Record<string, unknown> };
}

describe.each(BACKENDS)("login API on %s", (backend) => {
  let server: RunningServer;
  let databaseUrl: string;
  let aliceId: string;

  const call = (path: string, init: RequestInit = {}) => fetch(`${server.baseUrl}${path}`, init);
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    call(path, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });
  const login = (body: Record<string, unknown>) => post("/_matrix/client/v3/login", body);
  const passwordLogin = (user: string, password: string, extra: Record<string, unknown> = {}) =>
    login({ type: "m.login.password", identifier: { type: "m.id.user", user }, password, ...extra });
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl(backend);
    server = await startInProcessServer({ databaseUrl });
    aliceId = await createUserDirectly(databaseUrl, { localpart: "alice", password: "wonderland", emails: ["Alice@Example.org"] });
    await createUserDirectly(databaseUrl, { localpart: "gone", password: "pw", deactivated: true });
    await createUserDirectly(databaseUrl, { localpart: "nopassword" });
  });

  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
  });

  it.each(["r0", "v3"])("GET /_matrix/client/%s/login lists the password flow", async (version) => {
    const response = await call(`/_matrix/client/${version}/login`);
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(await response.json()).toEqual({ flows: [{ type: "m.login.password" }] });
  });

  const errorCases: Case[] = [
    { name: "unknown API version", path: "/_matrix/client/v9/login", method: "GET", expected: { status: 404, json: { errcode: "M_UNRECOGNIZED", error: "Unrecognized request" } } },
    { name: "unknown endpoint", path: "/_matrix/client/v3/nonsense", method: "GET", expected: { status: 404, json: { errcode: "M_UNRECOGNIZED" } } },
    { name: "wrong method", path: "/_matrix/client/v3/login", method: "PUT", body: {}, expected: { status: 405, json: { errcode: "M_UNRECOGNIZED" } } },
    { name: "body not JSON", rawBody: "{nope", expected: { status: 400, json: { errcode: "M_NOT_JSON", error: "Content not JSON." } } },
    { name: "empty body", rawBody: "", expected: { status: 400, json: { errcode: "M_NOT_JSON" } } },
    { name: "body not an object", body: ["m.login.password"], expected: { status: 400, json: { errcode: "M_BAD_JSON", error: "Content must be a JSON object." } } },
    { name: "missing type", body: { password: "x" }, expected: { status: 400, json: { errcode: "M_UNKNOWN", error: "Missing JSON keys." } } },
    { name: "type not a string", body: { type: 7 }, expected: { status: 400, json: { errcode: "M_INVALID_PARAM", error: "Bad parameter: type" } } },
    { name: "unknown login type", body: { type: "m.login.magic" }, expected: { status: 400, json: { errcode: "M_UNKNOWN", error: "Unknown login type m.login.magic" } } },
    { name: "refresh_token not a bool", body: { type: "m.login.password", refresh_token: "yes" }, expected: { status: 400, json: { errcode: "M_UNKNOWN", error: "`refresh_token` should be true or false." } } },
    { name: "password not a string", body: { type: "m.login.password", user: "alice", password: 1 }, expected: { status: 400, json: { errcode: "M_INVALID_PARAM", error: "Bad parameter: password" } } },
    { name: "no identifier", body: { type: "m.login.password", password: "x" }, expected: { status: 400, json: { errcode: "M_INVALID_PARAM", error: "Invalid login submission" } } },
    { name: "identifier without type", body: { type: "m.login.password", password: "x", identifier: { user: "alice" } }, expected: { status: 400, json: { errcode: "M_MISSING_PARAM", error: "'identifier' dict has no key 'type'" } } },
    { name: "identifier of unknown type", body: { type: "m.login.password", password: "x", identifier: { type: "m.id.telepathy" } }, expected: { status: 400, json: { errcode: "M_UNKNOWN", error: "Unknown login identifier type" } } },
    { name: "m.id.user without user", body: { type: "m.login.password", password: "x", identifier: { type: "m.id.user" } }, expected: { status: 400, json: { errcode: "M_UNKNOWN", error: "User identifier is missing 'user' key" } } },
    { name: "thirdparty without address", body: { type: "m.login.password", password: "x", identifier: { type: "m.id.thirdparty", medium: "email" } }, expected: { status: 400, json: { errcode: "M_UNKNOWN", error: "Invalid thirdparty identifier" } } },
    { name: "wrong password", body: { type: "m.login.password", identifier: { type: "m.id.user", user: "alice" }, password: "nope" }, expected: { status: 403, json: { errcode: "M_FORBIDDEN", error: "Invalid username or password" } } },
    { name: "unknown user", body: { type: "m.login.password", identifier: { type: "m.id.user", user: "nobody" }, password: "x" }, expected: { status: 403, json: { errcode: "M_FORBIDDEN", error: "Invalid username or password" } } },
    { name: "user without a password", body: { type: "m.login.password", user: "nopassword", password: "" }, expected: { status: 403, json: { errcode: "M_FORBIDDEN" } } },
    { name: "unbound email", body: { type: "m.login.password", identifier: { type: "m.id.thirdparty", medium: "email", address: "who@example.org" }, password: "x" }, expected: { status: 403, json: { errcode: "M_FORBIDDEN", error: "Invalid username or password" } } },
    { name: "deactivated user", body: { type: "m.login.password", user: "gone", password: "pw" }, expected: { status: 403, json: { errcode: "M_USER_DEACTIVATED", error: "This account has been deactivated" } } },
    { name: "overlong device_id", body: { type: "m.login.password", user: "alice", password: "wonderland", device_id: "D".repeat(513) }, expected: { status: 400, json: { errcode: "M_INVALID_PARAM", error: "device_id cannot be longer than 512 characters." } } },
    { name: "token login without token", body: { type: "m.login.token" }, expected: { status: 400, json: { errcode: "M_UNKNOWN", error: "Missing JSON keys." } } },
    { name: "unknown login token", body: { type: "m.login.token", token: "syl_madeup_000000" }, expected: { status: 403, json: { errcode: "M_FORBIDDEN", error: "Invalid login token" } } },
    { name: "oversized body", rawBody: JSON.stringify({ type: "m.login.password", password: "x".repeat(70_000) }), expected: { status: 413, json: { errcode: "M_TOO_LARGE" } } },
  ];

  it.each(errorCases)("$name → $expected.status", async ({ method = "POST", path = "/_matrix/client/v3/login", body, rawBody, expected }) => {
    const before = await useDatabase(databaseUrl).accessToken.count();
    const response = await call(path, {
      method,
      headers: { "Content-Type": "application/json" },
      body: method === "GET" ? undefined : rawBody ?? JSON.stringify(body),
    });
    expect(response.status).toBe(expected.status);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(await response.json()).toMatchObject(expected.json ?? {});
    // No failed request leaves a device or token behind.
    expect(await useDatabase(databaseUrl).accessToken.count()).toBe(before);
  });

  it.each([
    ["a localpart", { identifier: { type: "m.id.user", user: "alice" } }],
    ["a full Matrix ID", { identifier: { type: "m.id.user", user: "@alice:test.local" } }],
    ["another letter case", { identifier: { type: "m.id.user", user: "@ALICE:test.local" } }],
    ["the legacy top-level user", { user: "alice" }],
    ["an email, case-insensitively", { identifier: { type: "m.id.thirdparty", medium: "email", address: "ALICE@example.ORG" } }],
    ["the legacy medium and address", { medium: "email", address: "alice@example.org" }],
  ])("logs in by password with %s", async (_name, identifier) => {
    const response = await login({ type: "m.login.password", password: "wonderland", ...identifier });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ user_id: aliceId, home_server: "test.local" });
    expect(body.access_token).toMatch(/^syt_/);
    expect(body.device_id).toMatch(/^[A-Z]{10}$/);
    expect(body).not.toHaveProperty("refresh_token");
  });

  it("reuses a device the user owns, keeps its name, and stores initial_device_display_name", async () => {
    const first = await (await passwordLogin("alice", "wonderland", { device_id: "PHONE", initial_device_display_name: "Alice's phone" })).json();
    const second = await (await passwordLogin("alice", "wonderland", { device_id: "PHONE", initial_device_display_name: "Renamed" })).json();
    expect(first.device_id).toBe("PHONE");
    expect(second.device_id).toBe("PHONE");
    const device = await useDatabase(databaseUrl).device.findUnique({ where: { userId_deviceId: { userId: aliceId, deviceId: "PHONE" } } });
    expect(device?.displayName).toBe("Alice's phone");
  });

  it("whoami, then logout kills the token and its device", async () => {
    const session = await (await passwordLogin("alice", "wonderland")).json();
    const whoami = await call("/_matrix/client/v3/account/whoami", { headers: bearer(session.access_token) });
    expect(await whoami.json()).toEqual({ user_id: aliceId, is_guest: false, device_id: session.device_id });
    const viaQuery = await call(`/_matrix/client/r0/account/whoami?access_token=${session.access_token}`);
    expect(viaQuery.status).toBe(200);

    expect((await post("/_matrix/client/v3/logout", {}, bearer(session.access_token))).status).toBe(200);
    const after = await call("/_matrix/client/v3/account/whoami", { headers: bearer(session.access_token) });
    expect(after.status).toBe(401);
    expect(await after.json()).toEqual({ errcode: "M_UNKNOWN_TOKEN", error: "Invalid access token passed.", soft_logout: false });
    const device = await useDatabase(databaseUrl).device.findUnique({ where: { userId_deviceId: { userId: aliceId, deviceId: session.device_id } } });
    expect(device).toBeNull();
  });

  it("logout/all ends every session of the user", async () => {
    const one = await (await passwordLogin("alice", "wonderland")).json();
    const two = await (await passwordLogin("alice", "wonderland")).json();
    expect((await post("/_matrix/client/v3/logout/all", {}, bearer(one.access_token))).status).toBe(200);
    for (const token of [one.access_token, two.access_token]) {
      expect((await call("/_matrix/client/v3/account/whoami", { headers: bearer(token) })).status).toBe(401);
    }
    expect(await useDatabase(databaseUrl).device.count({ where: { userId: aliceId } })).toBe(0);
  });

  it.each([
    ["no token", {}, 401, { errcode: "M_MISSING_TOKEN", error: "Missing access token" }],
    ["an unknown token", { Authorization: "Bearer syt_nope" }, 401, { errcode: "M_UNKNOWN_TOKEN", soft_logout: false }],
  ])("whoami with %s", async (_name, headers, status, json) => {
    const response = await call("/_matrix/client/v3/account/whoami", { headers });
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject(json);
  });

  it("refuses a token sent both as header and query parameter", async () => {
    const session = await (await passwordLogin("alice", "wonderland")).json();
    const response = await call(`/_matrix/client/v3/account/whoami?access_token=${session.access_token}`, { headers: bearer(session.access_token) });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ errcode: "M_MISSING_TOKEN", error: "Mixing Authorization headers and access_token query parameters." });
  });

  it("an expired access token is a soft logout, and can still log out", async () => {
    const session = await (await passwordLogin("alice", "wonderland", { refresh_token: true })).json();
    await useDatabase(databaseUrl).accessToken.updateMany({ where: { userId: aliceId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const response = await call("/_matrix/client/v3/account/whoami", { headers: bearer(session.access_token) });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ errcode: "M_UNKNOWN_TOKEN", error: "Access token has expired", soft_logout: true });
    expect((await post("/_matrix/client/v3/logout", {}, bearer(session.access_token))).status).toBe(200);
  });

  it("login tokens work once, within their lifetime", async () => {
    useDatabase(databaseUrl);
    const token = await createLoginToken(aliceId, 120_000, { authProviderId: "oidc-test" });
    const first = await login({ type: "m.login.token", token });
    expect(first.status).toBe(200);
    const body = await first.json();
    expect(body.user_id).toBe(aliceId);
    const device = await useDatabase(databaseUrl).device.findUnique({ where: { userId_deviceId: { userId: aliceId, deviceId: body.device_id } } });
    expect(device?.authProviderId).toBe("oidc-test");

    const replay = await login({ type: "m.login.token", token });
    expect(replay.status).toBe(403);
    expect(await replay.json()).toEqual({ errcode: "M_FORBIDDEN", error: "Invalid login token" });

    const expired = await createLoginToken(aliceId, -1);
    const late = await login({ type: "m.login.token", token: expired });
    expect(late.status).toBe(403);
    expect(await late.json()).toEqual({ errcode: "M_FORBIDDEN", error: "Invalid login token" });
  });

  it("the token login after SSO carries the mapping provider's extra attributes; other logins do not", async () => {
    useDatabase(databaseUrl);
    await storeExtraAttributes(aliceId, { "com.example.email_domain": "example.org" });
    const sso = await login({ type: "m.login.token", token: await createLoginToken(aliceId, 120_000, { authProviderId: "oidc-test" }) });
    expect(sso.status).toBe(200);
    expect(await sso.json()).toMatchObject({ user_id: aliceId, "com.example.email_domain": "example.org" });
    // A login token not minted by an SSO login (no provider) gets none, nor does a password login.
    const plain = await login({ type: "m.login.token", token: await createLoginToken(aliceId, 120_000) });
    expect(await plain.json()).not.toHaveProperty("com.example.email_domain");
    expect(await (await passwordLogin("alice", "wonderland")).json()).not.toHaveProperty("com.example.email_domain");
  });

  it("refresh rotates the pair; the old refresh token dies once the new pair is used", async () => {
    const session = await (await passwordLogin("alice", "wonderland", { refresh_token: true })).json();
    expect(session.refresh_token).toMatch(/^syr_/);
    expect(session.expires_in_ms).toBeGreaterThan(290_000);
    expect(session.expires_in_ms).toBeLessThanOrEqual(300_000);

    const refresh = (token: string) => post("/_matrix/client/v3/refresh", { refresh_token: token });
    const firstRefresh = await refresh(session.refresh_token);
    expect(firstRefresh.status).toBe(200);
    const rotated = await firstRefresh.json();
    expect(rotated.refresh_token).not.toBe(session.refresh_token);
    expect(rotated.access_token).not.toBe(session.access_token);

    // The client may retry with the old token while the new pair is unused...
    const retry = await refresh(session.refresh_token);
    expect(retry.status).toBe(200);
    const current = await retry.json();
    // ...and the pair that retry replaced is gone.
    expect((await call("/_matrix/client/v3/account/whoami", { headers: bearer(rotated.access_token) })).status).toBe(401);

    expect((await call("/_matrix/client/v3/account/whoami", { headers: bearer(current.access_token) })).status).toBe(200);
    const stale = await refresh(session.refresh_token);
    expect(stale.status).toBe(403);
    expect(await stale.json()).toEqual({ errcode: "M_FORBIDDEN", error: "refresh token isn't valid anymore" });
    expect((await refresh(current.refresh_token)).status).toBe(200);
  });

  it.each([
    ["missing", {}, 400, { errcode: "M_MISSING_PARAM", error: "Missing params: ['refresh_token']" }],
    ["not a string", { refresh_token: 5 }, 400, { errcode: "M_INVALID_PARAM", error: "Invalid param: refresh_token" }],
    ["malformed", { refresh_token: "syr_tampered_zzzzzz" }, 401, { errcode: "M_UNKNOWN_TOKEN", error: "invalid refresh token" }],
  ])("refresh with a %s token", async (_name, body, status, json) => {
    const response = await post("/_matrix/client/v3/refresh", body);
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual(json);
  });

  it("answers CORS preflight for browser clients", async () => {
    const response = await call("/_matrix/client/v3/login", { method: "OPTIONS" });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-allow-headers")).toContain("Authorization");
    expect(response.headers.get("access-control-allow-methods")).toContain("POST");
  });
});
