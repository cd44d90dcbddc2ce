// SSO over CAS against a real CAS server (Debian's python3-django-cas-server, test-support/cas-server.ts)
// on 127.0.0.1, over HTTP against the built server: redirect, ticket validation at serviceValidate,
// required attributes, display name, grandfathering, and refusal of invalid and replayed tickets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabaseUrl } from "../test-support/backends";
import { casServerAvailable, startCasServer, type RunningCasServer } from "../test-support/cas-server";
import { freePort, startServer, type RunningServer } from "../test-support/server";
import { createUserDirectly, disconnectAll, useDatabase } from "../test-support/users";

const TRUSTED_CLIENT = "http://127.0.0.1:9/trusted";

if (!casServerAvailable()) throw new Error("python3-django-cas-server is missing: run scripts/ensure-test-deps.sh");

describe("SSO over CAS", () => {
  let cas: RunningCasServer;
  let server: RunningServer;
  let base: string;
  let databaseUrl: string;
  const database = () => useDatabase(databaseUrl);

  beforeAll(async () => {
    const port = await freePort();
    cas = await startCasServer({
      servicePattern: `^http://127\\.0\\.0\\.1:${port}/_matrix/client/r0/login/cas/ticket\\?.*`,
      users: {
        alice: { password: "alice-pw", attributes: { cn: "Alice Liddell", department: ["research", "teaching"] } },
        bob: { password: "bob-pw", attributes: { cn: "Bob" } },
        Carol: { password: "carol-pw", attributes: { cn: "Carol C", department: "research" } },
        "Cas.Ü": { password: "umlaut-pw", attributes: { cn: "Ü", department: "research" } },
        "Élodie": { password: "elodie-pw", attributes: { cn: "Élodie", department: "research" } },
      },
    });
    databaseUrl = await freshDatabaseUrl("sqlite");
    server = await startServer({
      port,
      databaseUrl,
      config: {
        cas_config: {
          enabled: true,
          server_url: cas.url,
          displayname_attribute: "cn",
          required_attributes: { department: "research" },
          idp_name: "Campus CAS",
          idp_brand: "campus",
        },
        sso: { client_whitelist: [TRUSTED_CLIENT] },
      },
    });
    base = server.baseUrl;
    await createUserDirectly(databaseUrl, { localpart: "carol" });
    // The account Synapse registered for the CAS user "Cas.Ü": UTF-8 first, then ASCII-only lower case.
    await createUserDirectly(databaseUrl, { localpart: "cas.=c3=9c" });
  });

  afterAll(async () => {
    await server?.stop();
    await cas?.stop();
    await disconnectAll();
  });

  const serviceUrl = (redirectUrl: string) => `${base}/_matrix/client/r0/login/cas/ticket?${new URLSearchParams({ redirectUrl })}`;

  async function signIn(username: string, password: string, version = "v3"): Promise<string> {
    const start = await fetch(`${base}/_matrix/client/${version}/login/sso/redirect?${new URLSearchParams({ redirectUrl: TRUSTED_CLIENT })}`, { redirect: "manual" });
    expect(start.status).toBe(302);
    return cas.signIn(start.headers.get("location")!, username, password);
  }

  async function exchangeLoginToken(location: string) {
    const token = new URL(location).searchParams.get("loginToken");
    expect(token).toMatch(/^syl_/);
    const response = await fetch(`${base}/_matrix/client/v3/login`, { method: "POST", body: JSON.stringify({ type: "m.login.token", token }) });
    expect(response.status).toBe(200);
    return (await response.json()) as { user_id: string };
  }

  it("advertises m.login.cas and the cas provider", async () => {
    const { flows } = await (await fetch(`${base}/_matrix/client/r0/login`)).json();
    expect(flows).toContainEqual({
      type: "m.login.sso",
      identity_providers: [{ id: "cas", name: "Campus CAS", brand: "campus" }],
      oauth_aware_preferred: true,
      "org.matrix.msc3824.delegated_oidc_compatibility": true,
    });
    expect(flows).toContainEqual({ type: "m.login.cas" });
  });

  it("sends the browser to <server_url>/login with our ticket URL as the service, also from the legacy /login/cas/redirect", async () => {
    for (const path of ["/_matrix/client/v3/login/sso/redirect", "/_matrix/client/r0/login/sso/redirect/cas", "/_matrix/client/r0/login/cas/redirect"]) {
      const response = await fetch(`${base}${path}?${new URLSearchParams({ redirectUrl: TRUSTED_CLIENT })}`, { redirect: "manual" });
      expect(response.status).toBe(302);
      expect(response.headers.get("location")).toBe(`${cas.url}/login?${new URLSearchParams({ service: serviceUrl(TRUSTED_CLIENT) })}`);
    }
  });

  it("validates the ticket, registers the user with the display name attribute, and hands over a login token", async () => {
    const back = await signIn("alice", "alice-pw");
    expect(back.startsWith(`${serviceUrl(TRUSTED_CLIENT)}&ticket=ST-`)).toBe(true);
    const response = await fetch(back, { redirect: "manual" });
    expect(response.status).toBe(302);
    expect((await exchangeLoginToken(response.headers.get("location")!)).user_id).toBe("@alice:test.local");
    const user = await database().user.findUnique({ where: { userId: "@alice:test.local" }, include: { externalIds: true } });
    expect(user!.displayName).toBe("Alice Liddell");
    expect(user!.externalIds).toEqual([expect.objectContaining({ authProvider: "cas", externalId: "alice" })]);
  });

  it("logs a returning user into the same account, on the v3 ticket path too", async () => {
    const back = await signIn("alice", "alice-pw", "r0");
    const response = await fetch(back.replace("/client/r0/", "/client/v3/"), { redirect: "manual" });
    // The service the ticket was issued for is the r0 URL; validation uses it whatever path was hit.
    expect(response.status).toBe(302);
    expect((await exchangeLoginToken(response.headers.get("location")!)).user_id).toBe("@alice:test.local");
  });

  it("takes over an existing account of the same name (grandfathering)", async () => {
    const response = await fetch(await signIn("Carol", "carol-pw"), { redirect: "manual" });
    expect(response.status).toBe(302);
    expect((await exchangeLoginToken(response.headers.get("location")!)).user_id).toBe("@carol:test.local");
  });

  it("takes over the account Synapse made for a non-ASCII CAS name (Cas.Ü -> cas.=c3=9c, not cas.=c3=bc)", async () => {
    const response = await fetch(await signIn("Cas.Ü", "umlaut-pw"), { redirect: "manual" });
    expect(response.status).toBe(302);
    expect((await exchangeLoginToken(response.headers.get("location")!)).user_id).toBe("@cas.=c3=9c:test.local");
    expect(await database().user.count({ where: { userId: "@cas.=c3=bc:test.local" } })).toBe(0);
  });

  it("registers a new non-ASCII CAS name under Synapse's localpart (Élodie -> =c3=89lodie)", async () => {
    const response = await fetch(await signIn("Élodie", "elodie-pw"), { redirect: "manual" });
    expect(response.status).toBe(302);
    expect((await exchangeLoginToken(response.headers.get("location")!)).user_id).toBe("@=c3=89lodie:test.local");
    expect((await database().user.findUnique({ where: { userId: "@=c3=89lodie:test.local" }, include: { externalIds: true } }))!.externalIds).toEqual([
      expect.objectContaining({ authProvider: "cas", externalId: "Élodie" }),
    ]);
  });

  it("refuses a user without a required attribute, storing nothing", async () => {
    const response = await fetch(await signIn("bob", "bob-pw"), { redirect: "manual" });
    expect(response.status).toBe(401);
    expect(await response.text()).toContain("You are not allowed to log in here.");
    expect(await database().user.findUnique({ where: { userId: "@bob:test.local" } })).toBeNull();
  });

  it("refuses an invalid ticket on the error page", async () => {
    const response = await fetch(`${serviceUrl(TRUSTED_CLIENT)}&ticket=ST-not-a-real-ticket`, { redirect: "manual" });
    expect(response.status).toBe(401);
    expect(response.headers.get("location")).toBeNull();
    expect(await response.text()).toContain("unsucessful_response");
  });

  it("refuses a replayed ticket", async () => {
    const back = await signIn("alice", "alice-pw");
    expect((await fetch(back, { redirect: "manual" })).status).toBe(302);
    const replay = await fetch(back, { redirect: "manual" });
    expect(replay.status).toBe(401);
    expect(await replay.text()).toContain("unsucessful_response");
  });

  it("refuses a ticket presented for another redirect URL (the service must match)", async () => {
    const back = new URL(await signIn("alice", "alice-pw"));
    back.searchParams.set("redirectUrl", "http://127.0.0.1:9/elsewhere");
    const response = await fetch(back, { redirect: "manual" });
    expect(response.status).toBe(401);
  });

  it("answers missing parameters with Matrix JSON errors", async () => {
    const noTicket = await fetch(`${base}/_matrix/client/v3/login/cas/ticket?redirectUrl=x`);
    expect(noTicket.status).toBe(400);
    expect(await noTicket.json()).toMatchObject({ errcode: "M_MISSING_PARAM", error: "Missing string query parameter 'ticket'" });
    const noTarget = await fetch(`${base}/_matrix/client/v3/login/cas/ticket?ticket=ST-1`);
    expect(await noTarget.json()).toMatchObject({ errcode: "M_MISSING_PARAM", error: "Missing string query parameter redirectUrl or session" });
  });
});
