// SSO settings that need a homeserver of their own: one provider only, grandfathering, registration
// off, profile updates, deactivated accounts, an unreachable provider, and the demo quickstart.
import { readFileSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { CookieClient } from "../test-support/cookie-client";
import { loginWithFetch, startOidcProvider, type RunningOidcProvider } from "../test-support/oidc-provider";
import { freePort, startServer, type RunningServer } from "../test-support/server";
import { CORP_ACCOUNTS, corpProviderConfig } from "../test-support/sso-fixture";
import { createUserDirectly, disconnectAll, useDatabase } from "../test-support/users";

const CLIENT = "https://client.example/app";

async function serverWithCorp(corp: RunningOidcProvider, port: number, overrides: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return startServer({
    port,
    config: { oidc_providers: [corpProviderConfig(corp, overrides)], sso: { client_whitelist: ["https://client.example/"] }, ...extra },
  });
}

/** Logs in through `oidc-corp` and returns the callback's response. */
async function corpLogin(server: RunningServer, username: string, password: string, idpPath = "/oidc-corp") {
  const browser = new CookieClient();
  const start = await browser.get(`${server.baseUrl}/_matrix/client/v3/login/sso/redirect${idpPath}?redirectUrl=${encodeURIComponent(CLIENT)}`);
  expect(start.status).toBe(302);
  return browser.get(await loginWithFetch(start.headers.get("location")!, username, password));
}

async function tokenLogin(server: RunningServer, location: string) {
  const token = new URL(location).searchParams.get("loginToken");
  const response = await fetch(`${server.baseUrl}/_matrix/client/v3/login`, { method: "POST", body: JSON.stringify({ type: "m.login.token", token }) });
  return response.json();
}

describe("OIDC provider settings", () => {
  let corp: RunningOidcProvider;
  const ports: number[] = [];
  const servers: RunningServer[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 4; i++) ports.push(await freePort());
    corp = await startOidcProvider({
      accounts: CORP_ACCOUNTS,
      clients: [{ client_id: "homeserver", client_secret: "corp-secret", redirect_uris: ports.map((port) => `http://127.0.0.1:${port}/_synapse/client/oidc/callback`) }],
    });
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await corp?.stop();
    await disconnectAll();
  });

  it("goes straight to the only provider, and grandfathers an existing account with allow_existing_users", async () => {
    const server = await serverWithCorp(corp, ports[0], { allow_existing_users: true });
    servers.push(server);
    await createUserDirectly(server.databaseUrl, { localpart: "alice", password: "local-pw" });

    const start = await fetch(`${server.baseUrl}/_matrix/client/v3/login/sso/redirect?redirectUrl=${encodeURIComponent(CLIENT)}`, { redirect: "manual" });
    expect(new URL(start.headers.get("location")!).origin).toBe(corp.issuer);

    const callback = await corpLogin(server, "alice", "alice-pw", "");
    expect(callback.status).toBe(302);
    expect((await tokenLogin(server, callback.headers.get("location")!)).user_id).toBe("@alice:test.local");
    const links = await useDatabase(server.databaseUrl).userExternalId.findMany({ where: { userId: "@alice:test.local" } });
    expect(links).toMatchObject([{ authProvider: "oidc-corp", externalId: "corp-alice" }]);
    expect(await useDatabase(server.databaseUrl).user.count()).toBe(1);
  });

  it("refuses unknown users when enable_registration is false, and shows deactivated accounts the deactivated page", async () => {
    const server = await serverWithCorp(corp, ports[1], { enable_registration: false, allow_existing_users: true });
    servers.push(server);
    const refused = await corpLogin(server, "alice", "alice-pw");
    expect(refused.status).toBe(400);
    const html = await refused.text();
    expect(html).toContain("User does not exist and registrations are disabled");
    expect(html).toContain("mapping_error");
    expect(await useDatabase(server.databaseUrl).user.count()).toBe(0);

    await createUserDirectly(server.databaseUrl, { localpart: "carol.smith", deactivated: true });
    const deactivated = await corpLogin(server, "Carol.Smith", "carol-pw");
    expect(deactivated.status).toBe(403);
    expect(await deactivated.text()).toContain("SSO account deactivated");
  });

  it("re-syncs the display name of a returning user with sso.update_profile_information", async () => {
    const server = await serverWithCorp(corp, ports[2], {}, { sso: { client_whitelist: ["https://client.example/"], update_profile_information: true } });
    servers.push(server);
    await corpLogin(server, "alice", "alice-pw");
    const alice = CORP_ACCOUNTS.find((account) => account.sub === "corp-alice")!;
    const original = alice.claims.name;
    try {
      alice.claims.name = "Alice Pleasance Liddell";
      const again = await corpLogin(server, "alice", "alice-pw");
      expect((await tokenLogin(server, again.headers.get("location")!)).user_id).toBe("@alice:test.local");
      const user = await useDatabase(server.databaseUrl).user.findUnique({ where: { userId: "@alice:test.local" } });
      expect(user?.displayName).toBe("Alice Pleasance Liddell");
    } finally {
      alice.claims.name = original;
    }
  });

  it("answers 503 with the provider-unavailable page when the IdP cannot be reached", async () => {
    const closedPort = await freePort();
    const server = await startServer({
      port: ports[3],
      config: { oidc_providers: [corpProviderConfig(corp, { idp_id: "down", issuer: `http://127.0.0.1:${closedPort}` })] },
    });
    servers.push(server);
    const response = await fetch(`${server.baseUrl}/_matrix/client/v3/login/sso/redirect?redirectUrl=${encodeURIComponent(CLIENT)}`, { redirect: "manual" });
    expect(response.status).toBe(503);
    expect(await response.text()).toContain("This login provider is unavailable right now.");
  });
});

describe("the quickstart demo", () => {
  it("serves the sample config with the bundled demo IdP, and a newcomer can log in by SSO", async () => {
    const port = await freePort();
    const idpPort = await freePort();
    const sample = parse(readFileSync(path.resolve(__dirname, "..", "homeserver.yaml"), "utf8")) as Record<string, any>;
    sample.public_baseurl = `http://127.0.0.1:${port}/`;
    sample.oidc_providers[0].issuer = `http://127.0.0.1:${idpPort}`;
    sample.sso = { client_whitelist: ["https://client.example/"] };
    const dir = mkdtempSync(path.join(os.tmpdir(), "hs-demo-"));
    const configFile = path.join(dir, "homeserver.yaml");
    writeFileSync(configFile, stringify(sample));
    const server = await startServer({
      port,
      rawConfigFile: configFile,
      args: ["--demo-idp"],
      env: { DEMO_IDP_PORT: String(idpPort) },
    });
    try {
      const { flows } = await (await fetch(`${server.baseUrl}/_matrix/client/v3/login`)).json();
      expect(flows[0]).toEqual({
        type: "m.login.sso",
        identity_providers: [{ id: "oidc-demo", name: "Demo IdP" }],
        oauth_aware_preferred: true,
        "org.matrix.msc3824.delegated_oidc_compatibility": true,
      });
      const browser = new CookieClient();
      const start = await browser.get(`${server.baseUrl}/_matrix/client/v3/login/sso/redirect?redirectUrl=${encodeURIComponent(CLIENT)}`);
      const callback = await browser.get(await loginWithFetch(start.headers.get("location")!, "bob", "bob-password"));
      // confirm_localpart: the picker shows the suggestion, normalised from "Bob.Builder".
      expect(callback.headers.get("location")).toBe("/_synapse/client/pick_username/account_details");
      const form = await (await browser.get(`${server.baseUrl}/_synapse/client/pick_username/account_details`)).text();
      expect(form).toContain('value="bob.builder"');
      const done = await browser.postForm(`${server.baseUrl}/_synapse/client/pick_username/account_details`, { username: "bob.builder", use_display_name: "true" });
      expect((await tokenLogin(server, done.headers.get("location")!)).user_id).toBe("@bob.builder:localhost");
      // The sample's published secret was replaced by one generated into the data directory.
      const secretsFile = path.join(path.dirname(server.databaseUrl.slice("file:".length)), "demo-secrets.json");
      const secrets = JSON.parse(readFileSync(secretsFile, "utf8")) as Record<string, string>;
      expect(secrets.macaroon_secret_key).toMatch(/^[\w-]{40,}$/);
      expect(secrets.macaroon_secret_key).not.toBe(sample.macaroon_secret_key);
    } finally {
      await server.stop();
    }
  });
});
