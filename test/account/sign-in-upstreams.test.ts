// The sign-in page with SAML and CAS upstreams (a real samlify IdP and Debian's django-cas-server)
// over HTTP against the built server: each signs a person in to the account page, and "Link another
// sign-in method" attaches a CAS identity to the account a SAML sign-in made, after which signing in
// with CAS opens that same account.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownPost } from "../../test-support/browser-requests";
import { casServerAvailable, startCasServer, type RunningCasServer } from "../../test-support/cas-server";
import { CookieClient } from "../../test-support/cookie-client";
import { startSamlIdp, type RunningSamlIdp } from "../../test-support/saml-idp";
import { postToAcs, USERS } from "../../test-support/saml-sso";
import { freePort, startServer, type RunningServer } from "../../test-support/server";
import { disconnectAll, useDatabase } from "../../test-support/users";

if (!casServerAvailable()) throw new Error("python3-django-cas-server is missing: run scripts/ensure-test-deps.sh");

let server: RunningServer;
let idp: RunningSamlIdp;
let cas: RunningCasServer;
let base: string;

beforeAll(async () => {
  const port = await freePort();
  idp = await startSamlIdp({ users: USERS, spMetadataUrl: `http://127.0.0.1:${port}/_synapse/client/saml2/metadata.xml` });
  cas = await startCasServer({
    servicePattern: `^http://127\\.0\\.0\\.1:${port}/_matrix/client/r0/login/cas/ticket\\?.*`,
    users: { dora: { password: "dora-pw", attributes: { cn: "Dora" } }, alice: { password: "alice-cas-pw", attributes: { cn: "Alice at CAS" } } },
  });
  server = await startServer({
    port,
    config: {
      saml2_config: { sp_config: { metadata: { remote: [{ url: idp.metadataUrl }] }, accepted_time_diff: 3 }, idp_name: "Corp SAML" },
      cas_config: { enabled: true, server_url: cas.url, displayname_attribute: "cn", idp_name: "Campus CAS" },
    },
  });
  base = server.baseUrl;
});

afterAll(async () => {
  await server?.stop();
  await idp?.stop();
  await cas?.stop();
  await disconnectAll();
});

function keep(browser: CookieClient, response: Response): Response {
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(";");
    const index = pair.indexOf("=");
    if (/max-age=0/i.test(header)) browser.cookies.delete(pair.slice(0, index));
    else browser.cookies.set(pair.slice(0, index), pair.slice(index + 1));
  }
  return response;
}

/** An IdP button of the sign-in page (GET /sign-in/start) → our SSO redirect → the IdP's page. */
async function leaveToSignIn(browser: CookieClient, fields: Record<string, string>): Promise<string> {
  const start = await browser.get(`${base}/sign-in/start?${new URLSearchParams(fields)}`);
  expect(start.status).toBe(303);
  const redirect = await browser.get(new URL(start.headers.get("location")!, base).href);
  expect(redirect.status).toBe(302);
  return redirect.headers.get("location")!;
}

/** The account page's "Link …" (a POST answered by a page that continues to our SSO redirect) → the IdP's page. */
async function leaveToLink(browser: CookieClient, fields: Record<string, string>): Promise<string> {
  const start = keep(browser, await ownPost(`${base}/account`, browser.cookies, new URLSearchParams(fields).toString()));
  expect(start.status).toBe(200);
  const refresh = /^0; url=(.*)$/.exec(start.headers.get("refresh") ?? "")![1];
  const redirect = await browser.get(new URL(refresh, base).href);
  expect(redirect.status).toBe(302);
  return redirect.headers.get("location")!;
}

/** The SAML IdP signs `user` in; its form posts cross-site (no cookies) to our ACS, which sends the browser on. */
async function samlReturn(browser: CookieClient, idpUrl: string, user: string): Promise<string> {
  const { acsUrl, SAMLResponse, RelayState } = await idp.signIn(idpUrl, user);
  const acs = await postToAcs(acsUrl, { SAMLResponse, RelayState });
  expect([302, 303]).toContain(acs.status);
  return acs.headers.get("location")!;
}

async function follow(browser: CookieClient, url: string): Promise<Response> {
  return browser.get(new URL(url, base).href);
}

describe("signing in with SAML and CAS, and linking one to the other", () => {
  it("SAML signs a new person in (account made by the mapping), CAS is linked to it, and CAS then opens the same account", async () => {
    const browser = new CookieClient();
    const back = await samlReturn(browser, await leaveToSignIn(browser, { idp: "saml", next: "/account" }), "alice");
    expect(new URL(back).pathname).toBe("/sign-in/sso");
    const finished = await follow(browser, back);
    expect(finished.status).toBe(303);
    expect(finished.headers.get("location")).toBe("/account");
    const account = await (await follow(browser, "/account")).text();
    expect(account).toContain("@alice:test.local");
    expect(account).toContain("Corp SAML");
    const session = await useDatabase(server.databaseUrl).webSession.findFirst({ where: { userId: "@alice:test.local" } });
    expect(session?.method).toBe("saml");

    // Link CAS: the CAS user "dora" becomes a way into alice's account.
    const csrf = /name="csrf" value="([^"]+)"/.exec(account)![1];
    const casLogin = await leaveToLink(browser, { csrf, op: "link", idp: "cas" });
    const ticketUrl = await cas.signIn(casLogin, "dora", "dora-pw");
    const recorded = await follow(browser, ticketUrl);
    expect(recorded.status).toBe(303);
    const linked = await follow(browser, recorded.headers.get("location")!);
    expect(linked.headers.get("location")).toBe("/account?notice=linked");
    expect(await useDatabase(server.databaseUrl).userExternalId.findMany({ where: { userId: "@alice:test.local" }, select: { authProvider: true, externalId: true }, orderBy: { authProvider: "asc" } })).toEqual([
      { authProvider: "cas", externalId: "dora" },
      { authProvider: "saml", externalId: "alice" },
    ]);
    // No account "dora" was made.
    expect(await useDatabase(server.databaseUrl).user.count({ where: { userId: "@dora:test.local" } })).toBe(0);

    // A new browser signs in with CAS as dora and lands in alice's account.
    const other = new CookieClient();
    const ticket = await cas.signIn(await leaveToSignIn(other, { idp: "cas" }), "dora", "dora-pw");
    const casBack = await follow(other, ticket);
    expect(new URL(casBack.headers.get("location")!).pathname).toBe("/sign-in/sso");
    expect((await follow(other, casBack.headers.get("location")!)).headers.get("location")).toBe("/account");
    expect(await (await follow(other, "/account")).text()).toContain("@alice:test.local");
    const casSession = await useDatabase(server.databaseUrl).webSession.findFirst({ where: { method: "cas" } });
    expect(casSession?.userId).toBe("@alice:test.local");
  });
});
