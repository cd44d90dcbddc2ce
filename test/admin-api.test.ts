// The Synapse admin API subset over HTTP against the route modules in this process (the fast tier, test-support/in-process-server.ts), on SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, freshDatabaseUrl } from "../test-support/backends";
import { startInProcessServer } from "../test-support/in-process-server";
import { type RunningServer } from "../test-support/server";
import { createUserDirectly, disconnectAll, useDatabase } from "../test-support/users";

describe.each(BACKENDS)("admin API on %s", (backend) => {
  let server: RunningServer;
  let adminToken: string;
  let userToken: string;

  const call = (path: string, token: string | undefined, method = "GET", body?: unknown) =>
    fetch(`${server.baseUrl}${path}`, {
      method,
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  async function tokenFor(user: string, password: string) {
    const response = await fetch(`${server.baseUrl}/_matrix/client/v3/login`, { method: "POST", body: JSON.stringify({ type: "m.login.password", user, password }) });
    return (await response.json()).access_token as string;
  }

  beforeAll(async () => {
    const databaseUrl = await freshDatabaseUrl(backend);
    server = await startInProcessServer({ databaseUrl });
    await createUserDirectly(databaseUrl, { localpart: "root", password: "root-pw", admin: true });
    await createUserDirectly(databaseUrl, { localpart: "plain", password: "plain-pw", emails: ["plain@example.org"] });
    await useDatabase(databaseUrl).userExternalId.create({ data: { authProvider: "oidc-corp", externalId: "corp-plain", userId: "@plain:test.local" } });
    adminToken = await tokenFor("root", "root-pw");
    userToken = await tokenFor("plain", "plain-pw");
  });

  afterAll(async () => {
    await server?.stop();
    await disconnectAll();
  });

  it.each([
    ["GET", "/_synapse/admin/v2/users"],
    ["GET", "/_synapse/admin/v2/users/%40plain%3Atest.local"],
    ["PUT", "/_synapse/admin/v2/users/%40x%3Atest.local"],
    ["GET", "/_synapse/admin/v1/auth_providers/oidc-corp/users/corp-plain"],
  ])("refuses %s %s without an admin token", async (method, path) => {
    const anonymous = await call(path, undefined, method, method === "PUT" ? {} : undefined);
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).errcode).toBe("M_MISSING_TOKEN");
    const nonAdmin = await call(path, userToken, method, method === "PUT" ? {} : undefined);
    expect(nonAdmin.status).toBe(403);
    expect(await nonAdmin.json()).toEqual({ errcode: "M_FORBIDDEN", error: "You are not a server admin" });
  });

  it("shows a user with external IDs", async () => {
    const response = await call("/_synapse/admin/v2/users/%40plain%3Atest.local", adminToken);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      name: "@plain:test.local",
      admin: false,
      deactivated: false,
      threepids: [{ medium: "email", address: "plain@example.org" }],
      external_ids: [{ auth_provider: "oidc-corp", external_id: "corp-plain" }],
    });
    expect((await call("/_synapse/admin/v2/users/%40nobody%3Atest.local", adminToken)).status).toBe(404);
  });

  it("finds a user by external ID", async () => {
    const response = await call("/_synapse/admin/v1/auth_providers/oidc-corp/users/corp-plain", adminToken);
    expect(await response.json()).toEqual({ user_id: "@plain:test.local" });
    expect((await call("/_synapse/admin/v1/auth_providers/oidc-corp/users/nobody", adminToken)).status).toBe(404);
  });

  it("creates a user with a password and links, then updates and deactivates it", async () => {
    const created = await call("/_synapse/admin/v2/users/%40newbie%3Atest.local", adminToken, "PUT", {
      password: "newbie-pw",
      displayname: "Newbie",
      external_ids: [{ auth_provider: "oidc-corp", external_id: "corp-newbie" }],
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ name: "@newbie:test.local", displayname: "Newbie", external_ids: [{ auth_provider: "oidc-corp", external_id: "corp-newbie" }] });
    const newbieToken = await tokenFor("newbie", "newbie-pw");
    expect(newbieToken).toBeTruthy();

    const stolenLink = await call("/_synapse/admin/v2/users/%40newbie%3Atest.local", adminToken, "PUT", { external_ids: [{ auth_provider: "oidc-corp", external_id: "corp-plain" }] });
    expect(stolenLink.status).toBe(409);

    const updated = await call("/_synapse/admin/v2/users/%40newbie%3Atest.local", adminToken, "PUT", { admin: true, deactivated: true });
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({ admin: true, deactivated: true });
    expect((await call("/_matrix/client/v3/account/whoami", newbieToken)).status).toBe(401);

    const bad = await call("/_synapse/admin/v2/users/%40newbie%3Atest.local", adminToken, "PUT", { admin: "yes" });
    expect(bad.status).toBe(400);
    expect((await bad.json()).errcode).toBe("M_INVALID_PARAM");
    const remote = await call("/_synapse/admin/v2/users/%40someone%3Aelsewhere.org", adminToken, "PUT", {});
    expect(remote.status).toBe(400);
  });

  describe("threepids (Synapse replaces the user's third-party IDs with the list)", () => {
    const loginWith = (body: Record<string, unknown>) =>
      fetch(`${server.baseUrl}/_matrix/client/v3/login`, { method: "POST", body: JSON.stringify({ type: "m.login.password", password: "mail-pw", ...body }) });

    it("stores them (e-mail lower-cased), returns them as Synapse does, and the e-mail then logs in, case-insensitively", async () => {
      const before = Date.now();
      const created = await call("/_synapse/admin/v2/users/%40mailer%3Atest.local", adminToken, "PUT", {
        password: "mail-pw",
        threepids: [
          { medium: "email", address: "Mailer.One@Example.ORG" },
          { medium: "msisdn", address: "447700900123" },
        ],
        some_future_field: { ignored: true },
      });
      expect(created.status).toBe(201);
      const body = await created.json();
      expect(body.threepids).toHaveLength(2);
      expect(body.threepids).toEqual(
        expect.arrayContaining([
          { medium: "email", address: "mailer.one@example.org", added_at: expect.any(Number), validated_at: expect.any(Number) },
          { medium: "msisdn", address: "447700900123", added_at: expect.any(Number), validated_at: expect.any(Number) },
        ]),
      );
      expect(body.threepids[0].added_at).toBeGreaterThanOrEqual(before - 1000);
      expect((await (await call("/_synapse/admin/v2/users/%40mailer%3Atest.local", adminToken)).json()).threepids).toEqual(body.threepids);

      for (const login of [
        { identifier: { type: "m.id.thirdparty", medium: "email", address: "MAILER.one@example.org" } },
        { medium: "email", address: "mailer.ONE@EXAMPLE.org" },
      ]) {
        const response = await loginWith(login);
        expect(response.status).toBe(200);
        expect((await response.json()).user_id).toBe("@mailer:test.local");
      }
    });

    it("replaces the set on update: a removed address no longer logs in, a kept one keeps its dates", async () => {
      const path = "/_synapse/admin/v2/users/%40mailer%3Atest.local";
      const kept = ((await (await call(path, adminToken)).json()).threepids as { medium: string; added_at: number }[]).find((t) => t.medium === "msisdn")!;
      const updated = await call(path, adminToken, "PUT", {
        threepids: [
          { medium: "msisdn", address: "447700900123" },
          { medium: "email", address: "  Mailer.Two@example.org " },
        ],
      });
      expect(updated.status).toBe(200);
      const threepids = (await updated.json()).threepids as { medium: string; address: string; added_at: number }[];
      expect(threepids.map(({ medium, address }) => `${medium}:${address}`).sort()).toEqual(["email:mailer.two@example.org", "msisdn:447700900123"]);
      expect(threepids.find((t) => t.medium === "msisdn")!.added_at).toBe(kept.added_at);
      expect((await loginWith({ identifier: { type: "m.id.thirdparty", medium: "email", address: "mailer.one@example.org" } })).status).toBe(403);
      expect((await loginWith({ identifier: { type: "m.id.thirdparty", medium: "email", address: "MAILER.TWO@example.org" } })).status).toBe(200);
      // Leaving threepids out changes nothing; an empty list removes them all.
      expect((await (await call(path, adminToken, "PUT", { displayname: "Mailer" })).json()).threepids).toHaveLength(2);
      expect((await (await call(path, adminToken, "PUT", { threepids: [] })).json()).threepids).toEqual([]);
      expect((await loginWith({ identifier: { type: "m.id.thirdparty", medium: "email", address: "mailer.two@example.org" } })).status).toBe(403);
    });

    it.each([
      ["not a list", { threepids: { medium: "email", address: "a@example.org" } }],
      ["null", { threepids: null }],
      ["an entry without address", { threepids: [{ medium: "email" }] }],
      ["an entry without medium", { threepids: [{ address: "a@example.org" }] }],
      ["a non-string address", { threepids: [{ medium: "email", address: 42 }] }],
      ["an e-mail address without @", { threepids: [{ medium: "email", address: "not-an-address" }] }],
    ])("refuses a malformed threepids (%s) with 400, changing nothing", async (_name, body) => {
      const response = await call("/_synapse/admin/v2/users/%40badmail%3Atest.local", adminToken, "PUT", body);
      expect(response.status).toBe(400);
      expect((await response.json()).errcode).toBe("M_INVALID_PARAM");
      expect((await call("/_synapse/admin/v2/users/%40badmail%3Atest.local", adminToken)).status).toBe(404);
    });
  });

  it("lists users with from, limit and name", async () => {
    const all = await (await call("/_synapse/admin/v2/users?limit=2", adminToken)).json();
    expect(all.users).toHaveLength(2);
    expect(all.total).toBeGreaterThanOrEqual(3);
    expect(all.next_token).toBe("2");
    const named = await (await call("/_synapse/admin/v2/users?name=PLAIN", adminToken)).json();
    expect(named.users.map((user: { name: string }) => user.name)).toEqual(["@plain:test.local"]);
    expect((await call("/_synapse/admin/v2/users?limit=-1", adminToken)).status).toBe(400);
  });
});
