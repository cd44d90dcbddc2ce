// Password auth provider modules inside the real service, over HTTP: custom login types, module
// order, m.login.password through modules then the local database, check3pidAuth, the legacy
// password_providers interface, and onLoggedOut on /logout and /logout/all.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashSecret } from "../lib/auth/secrets";
import { BACKENDS, freshDatabaseUrl } from "../test-support/backends";
import { startServer, type RunningServer } from "../test-support/server";
import { createUserDirectly, disconnectAll, useDatabase } from "../test-support/users";

const ROOT = path.resolve(__dirname, "..");
const STATIC_PROVIDER = path.join(ROOT, "examples", "static-auth-provider.ts");
const LEGACY_PROVIDER = path.join(ROOT, "examples", "legacy-password-provider.cjs");
const PROBE = path.join(ROOT, "test-support", "modules", "probe-auth-provider.ts");

afterAll(disconnectAll);

function jsonLines(file: string): Record<string, unknown>[] {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text.split("\n").filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

function client(server: RunningServer) {
  const login = (body: Record<string, unknown>) =>
    fetch(`${server.baseUrl}/_matrix/client/v3/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  return {
    login,
    custom: (user: string, extra: Record<string, unknown>) => login({ type: "com.example.login", identifier: { type: "m.id.user", user }, ...extra }),
    password: (user: string, password: string) => login({ type: "m.login.password", identifier: { type: "m.id.user", user }, password }),
    flows: async () => ((await (await fetch(`${server.baseUrl}/_matrix/client/v3/login`)).json()) as { flows: unknown[] }).flows,
    post: (pathname: string, token: string) =>
      fetch(`${server.baseUrl}${pathname}`, { method: "POST", headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }, body: "{}" }),
    whoami: (token: string) => fetch(`${server.baseUrl}/_matrix/client/v3/account/whoami`, { headers: { Authorization: `Bearer ${token}` } }),
  };
}

describe.each(BACKENDS)("password auth provider modules on %s", (backend) => {
  let server: RunningServer;
  let databaseUrl: string;
  let api: ReturnType<typeof client>;
  const dir = mkdtempSync(path.join(os.tmpdir(), "hs-auth-modules-"));
  const probeLog = path.join(dir, "probe.jsonl");
  const auditLog = path.join(dir, "audit.jsonl");
  /** Probe log entries written while `action` ran. */
  async function probeCalls(action: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
    const before = jsonLines(probeLog).length;
    await action();
    return jsonLines(probeLog).slice(before);
  }

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl(backend);
    server = await startServer({
      databaseUrl,
      config: {
        modules: [
          {
            module: PROBE,
            config: {
              name: "first",
              log_file: probeLog,
              login_types: { "com.example.login": ["my_field"], "m.login.password": ["password"] },
              answers: { scoop: "throw", carol: "garbage" },
              logout: "throw",
            },
          },
          {
            module: STATIC_PROVIDER,
            config: {
              credentials: { bob: "building", "@scoop:test.local": "digging", carol: "carol-secret" },
              threepids: { "email:bob@example.org": "bob" },
              audit_log: auditLog,
            },
          },
          { module: PROBE, config: { name: "last", log_file: probeLog, login_types: { "com.example.login": ["my_field"] }, answers: { dave: "@dave:test.local" } } },
        ],
        password_providers: [{ module: LEGACY_PROVIDER, config: { users: { legacy: "old-secret" } } }],
      },
    });
    api = client(server);
    for (const localpart of ["scoop", "carol", "dave"]) await createUserDirectly(databaseUrl, { localpart });
    await createUserDirectly(databaseUrl, { localpart: "bob", password: "local-pw" });
  });
  afterAll(() => server?.stop());

  it("advertises every module login type in GET /login, password first", async () => {
    expect(await api.flows()).toEqual([{ type: "m.login.password" }, { type: "com.example.login" }]);
    expect(server.output()).toMatch(/module .*static-auth-provider\.ts loaded \(modules\.1\)/);
  });

  it("logs in with a custom type through the first module that vouches, creating a device and awaiting its callback", async () => {
    let response!: Response;
    const calls = await probeCalls(async () => {
      response = await api.custom("bob", { my_field: "building", device_id: "PHONE", junk: "not passed on" });
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ user_id: "@bob:test.local", device_id: "PHONE", home_server: "test.local" });
    expect(body.access_token).toMatch(/^syt_/);
    expect(await (await api.whoami(body.access_token)).json()).toMatchObject({ user_id: "@bob:test.local", device_id: "PHONE" });
    // The callback ran before the response was sent.
    expect(jsonLines(auditLog).at(-1)).toMatchObject({ event: "login", user_id: "@bob:test.local", device_id: "PHONE" });
    // "first" was asked (and said no), the example vouched, "last" was never asked; only declared fields are passed.
    expect(calls).toEqual([{ module: "first", event: "check", username: "bob", loginType: "com.example.login", loginDict: { my_field: "building" } }]);
    expect(await useDatabase(databaseUrl).device.count({ where: { userId: "@bob:test.local", deviceId: "PHONE" } })).toBe(1);
  });

  it("asks every module in order, and answers 403 when none vouches", async () => {
    let response!: Response;
    const calls = await probeCalls(async () => {
      response = await api.custom("bob", { my_field: "wrong" });
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ errcode: "M_FORBIDDEN", error: "Invalid username or password" });
    expect(calls.map((call) => call.module)).toEqual(["first", "last"]);

    const dave = await api.custom("dave", { my_field: "anything" });
    expect(dave.status).toBe(200);
    expect((await dave.json()).user_id).toBe("@dave:test.local");
  });

  it("answers 400 M_MISSING_PARAM when a declared field is missing, without asking any module", async () => {
    let response!: Response;
    const calls = await probeCalls(async () => {
      response = await api.custom("bob", { other_field: "building" });
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ errcode: "M_MISSING_PARAM", error: "Missing parameters for login type com.example.login: ['my_field']" });
    expect(calls).toEqual([]);
  });

  it("skips (and logs) a checker that throws or answers nonsense", async () => {
    const scoop = await api.custom("scoop", { my_field: "digging" });
    expect(scoop.status).toBe(200);
    expect((await scoop.json()).user_id).toBe("@scoop:test.local");
    expect(server.output()).toMatch(/module .*probe-auth-provider\.ts: auth checker for com\.example\.login failed\nError: first: checker exploded\n\s+at /);

    const carol = await api.custom("carol", { my_field: "carol-secret" });
    expect(carol.status).toBe(200);
    expect((await carol.json()).user_id).toBe("@carol:test.local");
    expect(server.output()).toMatch(/auth checker for com\.example\.login returned 42; expected a Matrix ID/);
  });

  it("checks m.login.password with the modules first, then the local database", async () => {
    let viaModule!: Response;
    const calls = await probeCalls(async () => {
      viaModule = await api.password("bob", "building");
    });
    expect(viaModule.status).toBe(200);
    expect(calls).toMatchObject([{ module: "first", loginType: "m.login.password", loginDict: { password: "building" } }]);
    expect((await api.password("bob", "local-pw")).status).toBe(200);
    expect((await api.password("bob", "neither")).status).toBe(403);
    expect((await api.password("nobody", "building")).status).toBe(403);
  });

  it("serves m.id.thirdparty password logins through check3pidAuth", async () => {
    const response = await api.login({
      type: "m.login.password",
      identifier: { type: "m.id.thirdparty", medium: "email", address: "Bob@Example.org" },
      password: "building",
    });
    expect(response.status).toBe(200);
    expect((await response.json()).user_id).toBe("@bob:test.local");
    const wrong = await api.login({ type: "m.login.password", identifier: { type: "m.id.thirdparty", medium: "email", address: "bob@example.org" }, password: "x" });
    expect(wrong.status).toBe(403);
  });

  it("keeps legacy password_providers working: checkPassword gets the qualified ID", async () => {
    expect((await api.password("legacy", "wrong")).status).toBe(403);
    const response = await api.password("legacy", "old-secret");
    expect(response.status).toBe(200);
    expect((await response.json()).user_id).toBe("@legacy:test.local");
    expect(await useDatabase(databaseUrl).user.count({ where: { userId: "@legacy:test.local" } })).toBe(1);
  });

  it("awaits onLoggedOut on /logout with the token, and for every token on /logout/all; a module that throws does not block it", async () => {
    const first = await (await api.custom("bob", { my_field: "building", device_id: "D1" })).json();
    const second = await (await api.custom("bob", { my_field: "building", device_id: "D2" })).json();

    const auditBefore = jsonLines(auditLog).length;
    let logout!: Response;
    const probeLogouts = await probeCalls(async () => {
      logout = await api.post("/_matrix/client/v3/logout", first.access_token);
    });
    expect(logout.status).toBe(200);
    expect((await api.whoami(first.access_token)).status).toBe(401);
    const entry = { user_id: "@bob:test.local", device_id: "D1", access_token: first.access_token, access_token_hash: hashSecret(first.access_token) };
    expect(jsonLines(auditLog).slice(auditBefore)).toMatchObject([{ event: "logout", ...entry }]);
    // "first" threw in its onLoggedOut, after recording the call: logged, and neither the logout nor
    // the modules after it were stopped.
    expect(probeLogouts).toMatchObject([
      { module: "first", event: "logout", accessToken: first.access_token },
      { module: "last", event: "logout", accessToken: first.access_token },
    ]);
    expect(server.output()).toMatch(/onLoggedOut failed\nError: first: onLoggedOut exploded/);

    // A third session, so that /logout/all ends more than the caller's own.
    const third = await (await api.custom("bob", { my_field: "building", device_id: "D3" })).json();
    const remaining = await useDatabase(databaseUrl).accessToken.findMany({ where: { userId: "@bob:test.local" }, select: { tokenHash: true, deviceId: true } });
    expect(remaining.length).toBeGreaterThanOrEqual(2);
    const afterFirst = jsonLines(auditLog).length;
    expect((await api.post("/_matrix/client/v3/logout/all", second.access_token)).status).toBe(200);
    const entries = jsonLines(auditLog).slice(afterFirst);
    // One call per ended session, each with its own user, device and token hash.
    expect(entries).toHaveLength(remaining.length);
    const ended = (list: Record<string, unknown>[]) =>
      list.map((e) => `${String(e.user_id)} ${String(e.device_id)} ${String(e.access_token_hash)}`).sort();
    expect(ended(entries)).toEqual(ended(remaining.map((token) => ({ user_id: "@bob:test.local", device_id: token.deviceId, access_token_hash: token.tokenHash }))));
    expect(entries.map((e) => e.device_id)).toEqual(expect.arrayContaining(["D2", "D3"]));
    // The token of the request itself is known; the others are stored only as hashes, so they are
    // null (a deliberate difference from Synapse, which passes every token).
    expect(entries.filter((e) => e.access_token !== null)).toMatchObject([{ device_id: "D2", access_token: second.access_token }]);
    expect(entries.find((e) => e.device_id === "D3")).toMatchObject({ access_token: null, access_token_hash: hashSecret(third.access_token) });
    expect(await useDatabase(databaseUrl).accessToken.count({ where: { userId: "@bob:test.local" } })).toBe(0);
  });
});

describe("password_config with modules", () => {
  const servers: Record<string, RunningServer> = {};
  const credentials = { credentials: { bob: "building" } };

  beforeAll(async () => {
    const variants: Record<string, Record<string, unknown>> = {
      noLocalDb: { password_config: { localdb_enabled: false }, modules: [{ module: STATIC_PROVIDER, config: credentials }] },
      disabled: { password_config: { enabled: false }, modules: [{ module: STATIC_PROVIDER, config: credentials }] },
      noPasswordAnywhere: { password_config: { localdb_enabled: false }, modules: [{ module: STATIC_PROVIDER, config: { ...credentials, password_login: false } }] },
    };
    await Promise.all(Object.entries(variants).map(async ([name, config]) => (servers[name] = await startServer({ config }))));
    // One at a time: createUserDirectly points this process's database client at each server's database.
    for (const server of Object.values(servers)) await createUserDirectly(server.databaseUrl, { localpart: "bob", password: "local-pw" });
  });
  afterAll(() => Promise.all(Object.values(servers).map((server) => server.stop())));

  it("localdb_enabled: false leaves password login to the modules", async () => {
    const api = client(servers.noLocalDb);
    expect(await api.flows()).toEqual([{ type: "m.login.password" }, { type: "com.example.login" }]);
    expect((await api.password("bob", "building")).status).toBe(200);
    expect((await api.password("bob", "local-pw")).status).toBe(403);
  });

  it("enabled: false turns password login off entirely, modules included, but not their own login types", async () => {
    const api = client(servers.disabled);
    expect(await api.flows()).toEqual([{ type: "com.example.login" }]);
    for (const response of [
      await api.password("bob", "building"),
      await api.login({ type: "m.login.password", identifier: { type: "m.id.thirdparty", medium: "email", address: "bob@example.org" }, password: "building" }),
    ]) {
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ errcode: "M_UNKNOWN", error: "Password login has been disabled." });
    }
    expect((await api.custom("bob", { my_field: "building" })).status).toBe(200);
  });

  it("without the local database or a module for it, m.login.password is an unknown type", async () => {
    const api = client(servers.noPasswordAnywhere);
    expect(await api.flows()).toEqual([{ type: "com.example.login" }]);
    const response = await api.password("bob", "local-pw");
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ errcode: "M_UNKNOWN", error: "Unknown login type m.login.password" });
    expect((await api.login({ type: "org.example.nothing", user: "bob" })).status).toBe(400);
  });
});

describe("a module written next to the config file", () => {
  let server: RunningServer;

  beforeAll(async () => {
    // Plain JavaScript that imports nothing from the service: only the documented interface.
    const dir = mkdtempSync(path.join(os.tmpdir(), "hs-own-module-"));
    writeFileSync(
      path.join(dir, "pin-login.mjs"),
      `export default class PinLogin {
        static parseConfig(config) {
          if (typeof config.pin !== "string") throw new Error("pin must be a string");
          return config.pin;
        }
        constructor(pin, api) {
          api.registerPasswordAuthProviderCallbacks({
            authCheckers: {
              "org.example.pin": {
                fields: ["pin"],
                check: async (user, type, dict) => (dict.pin === pin ? api.checkUserExists(api.getQualifiedUserId(user)) : null),
              },
            },
          });
        }
      }`,
    );
    const configFile = path.join(dir, "homeserver.yaml");
    const { stringify } = await import("yaml");
    const { testConfig, freePort } = await import("../test-support/server");
    const port = await freePort();
    writeFileSync(configFile, stringify(testConfig({ modules: [{ module: "./pin-login.mjs", config: { pin: "1234" } }] }, port)));
    server = await startServer({ rawConfigFile: configFile, port });
    await createUserDirectly(server.databaseUrl, { localpart: "pat" });
  });
  afterAll(() => server?.stop());

  it("is loaded by its path relative to the config file and serves its login type", async () => {
    const api = client(server);
    expect(await api.flows()).toEqual([{ type: "m.login.password" }, { type: "org.example.pin" }]);
    const ok = await api.login({ type: "org.example.pin", identifier: { type: "m.id.user", user: "pat" }, pin: "1234" });
    expect(ok.status).toBe(200);
    expect((await ok.json()).user_id).toBe("@pat:test.local");
    expect((await api.login({ type: "org.example.pin", identifier: { type: "m.id.user", user: "pat" }, pin: "0000" })).status).toBe(403);
  });
});
