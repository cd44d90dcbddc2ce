// The Matrix OAuth 2.0 API (lib/oauth) once an account is deactivated: everything the account had
// been given or was about to be given stops at the token endpoint with invalid_grant — an
// authorization code not yet exchanged, a refresh token, a device code the person had allowed — and
// its access token stops working on the Matrix API. Each way an account is deactivated: by an admin
// (the admin API, as the console), by the person (POST /account/deactivate, the same function as the
// account page's button), and the flag alone in the database (another tool, or a deactivation that
// crashed before its clean-up), where the provider's own account check has to refuse by itself.
// A real deactivation also leaves no grant of the account behind (nor a session in the admin console).
// The shared setup (server, users, metadata, helpers) is in oauth-api-fixture.ts.
import { OAuth2 } from "matrix-js-sdk-current";
import { listOAuthClients } from "../../lib/oauth/admin-clients";
import { describe, expect, it } from "vitest";
import { BACKENDS } from "../../test-support/backends";
import { CookieClient } from "../../test-support/cookie-client";
import { deviceScope, pollDeviceCode, registerDeviceClient } from "../../test-support/device-grant";
import { createUserDirectly, useDatabase } from "../../test-support/users";
import { oauthApiFixture } from "./oauth-api-fixture";
import { authorize, CLIENT_METADATA, logInWithOAuth, newDeviceId, pkcePair, REDIRECT_URI, signedInBrowser, tokenRequest, whoami } from "./oauth-flow";

const CONSENT_TEXT = "full access to your account on this device";
const actionOf = (html: string) => /<form[^>]*action="([^"]+)"/.exec(html)![1].replace(/&amp;/g, "&");
const field = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? "";

describe.each(BACKENDS)("a deactivated account's OAuth 2.0 grants on %s", (backend) => {
  const api = oauthApiFixture(backend);
  let counter = 0;

  async function passwordLogin(localpart: string, password: string): Promise<string> {
    const response = await fetch(`${api.server.baseUrl}/_matrix/client/v3/login`, {
      method: "POST",
      body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: localpart }, password }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { access_token: string }).access_token;
  }

  interface Deactivation {
    name: string;
    deactivate(user: { userId: string; localpart: string; password: string }): Promise<void>;
    /** Whether the way clears the account's OAuth grants from storage (the flag alone does not). */
    clearsGrants: boolean;
  }

  const DEACTIVATIONS: Deactivation[] = [
    {
      name: "an admin deactivates it (admin API)",
      clearsGrants: true,
      async deactivate({ userId }) {
        const adminToken = await passwordLogin("root", "rootpw");
        const response = await fetch(`${api.server.baseUrl}/_synapse/admin/v2/users/${encodeURIComponent(userId)}`, {
          method: "PUT",
          headers: { Authorization: `Bearer ${adminToken}` },
          body: JSON.stringify({ deactivated: true }),
        });
        expect(response.status).toBe(200);
      },
    },
    {
      name: "the person deactivates it (POST /account/deactivate)",
      clearsGrants: true,
      async deactivate({ userId, localpart, password }) {
        const token = await passwordLogin(localpart, password);
        const deactivate = (body: unknown) =>
          fetch(`${api.server.baseUrl}/_matrix/client/v3/account/deactivate`, { method: "POST", headers: { Authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
        const { session } = (await (await deactivate({})).json()) as { session: string };
        const done = await deactivate({ auth: { type: "m.login.password", identifier: { type: "m.id.user", user: userId }, password, session } });
        expect(done.status).toBe(200);
      },
    },
    {
      name: "only the flag is set in the database (nothing cleaned up)",
      clearsGrants: false,
      async deactivate({ userId }) {
        await useDatabase(api.server.databaseUrl).user.update({ where: { userId }, data: { deactivated: true } });
      },
    },
  ];

  /** The TV's device code, entered and confirmed by the person; returns the consent page's form. */
  async function deviceCodeAtConsent(browser: CookieClient, tv: { clientId: string }) {
    const started = await fetch(`${api.server.baseUrl}/oauth2/device/auth`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: tv.clientId, scope: deviceScope(newDeviceId()) }).toString(),
    });
    expect(started.status).toBe(200);
    const { device_code: deviceCode, user_code: userCode, verification_uri: verificationUri } = (await started.json()) as Record<string, string>;
    const input = await (await browser.get(verificationUri)).text();
    const confirm = await (await browser.postForm(new URL(actionOf(input), api.server.baseUrl).href, { xsrf: field(input, "xsrf"), user_code: userCode })).text();
    expect(confirm).toContain(userCode);
    let response = await browser.postForm(new URL(actionOf(confirm), api.server.baseUrl).href, {
      xsrf: field(confirm, "xsrf"),
      user_code: field(confirm, "user_code"),
      confirm: "yes",
    });
    for (let hop = 0; hop < 10 && (response.status === 302 || response.status === 303); hop++) {
      response = await browser.get(new URL(response.headers.get("location")!, api.server.baseUrl).href);
    }
    const consent = await response.text();
    expect(consent).toContain(CONSENT_TEXT);
    return { deviceCode, allowUrl: new URL(actionOf(consent), api.server.baseUrl).href };
  }

  /** Allow on the consent page, following the redirects; where the browser ended and what it showed. */
  async function allow(browser: CookieClient, allowUrl: string) {
    let response = await browser.postForm(allowUrl, { decision: "allow" });
    let location: URL | null = null;
    for (let hop = 0; hop < 10 && (response.status === 302 || response.status === 303); hop++) {
      location = new URL(response.headers.get("location")!, api.server.baseUrl);
      if (location.pathname === "/sign-in") break;
      response = await browser.get(location.href);
    }
    return { status: response.status, location, html: response.status === 200 ? await response.text() : "" };
  }

  it.each(DEACTIVATIONS.map((way) => [way.name, way] as const))("%s: its code, refresh token, allowed device code and access token are all refused", async (_name, { deactivate, clearsGrants }) => {
    const localpart = `leaver${++counter}`;
    const password = `${localpart}-pw`;
    const userId = await createUserDirectly(api.server.databaseUrl, { localpart, password });
    const browser = await signedInBrowser(userId);

    // A signed-in app: access and refresh token.
    const session = await logInWithOAuth(api.server.baseUrl, api.metadata, browser);
    expect((await whoami(api.server.baseUrl, session.tokens.access_token)).status).toBe(200);
    // An app that got its authorization code and has not exchanged it yet.
    const codeClient = await OAuth2.registerClient(api.metadata, CLIENT_METADATA);
    const { verifier, challenge } = pkcePair();
    const { location } = await authorize(browser, api.authorizationUrl(codeClient, { code_challenge: challenge }));
    const code = location!.searchParams.get("code")!;
    expect(code).toBeTruthy();
    // A TV the person allowed, which has not polled since; and a second one still at the consent page
    // on their phone (asked first: once the person allowed the app, its next request skips the page).
    const tv = await registerDeviceClient(api.server.baseUrl);
    const phone = await signedInBrowser(userId);
    const pending = await deviceCodeAtConsent(phone, tv);
    const allowed = await deviceCodeAtConsent(browser, tv);
    expect((await allow(browser, allowed.allowUrl)).html).toContain("Device connected");

    await deactivate({ userId, localpart, password });

    expect(await whoami(api.server.baseUrl, session.tokens.access_token)).toMatchObject({ status: 401, json: { errcode: "M_UNKNOWN_TOKEN" } });
    expect(await tokenRequest(api.metadata, { grant_type: "refresh_token", refresh_token: session.tokens.refresh_token!, client_id: session.clientId })).toMatchObject({
      status: 400,
      json: { error: "invalid_grant" },
    });
    expect(
      await tokenRequest(api.metadata, { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: verifier, client_id: codeClient }),
    ).toMatchObject({ status: 400, json: { error: "invalid_grant" } });
    expect(await pollDeviceCode(api.server.baseUrl, tv.clientId, allowed.deviceCode)).toMatchObject({ status: 400, json: { error: "invalid_grant" } });
    // The pending code names no account until someone allows it: Allow now only leads to the sign-in
    // page (which refuses a deactivated account), so the TV is never given a token for this account.
    const late = await allow(phone, pending.allowUrl);
    expect(late.location?.pathname).toBe("/sign-in");
    expect(await pollDeviceCode(api.server.baseUrl, tv.clientId, pending.deviceCode)).toMatchObject({ status: 400, json: { error: "authorization_pending" } });
    if (clearsGrants) {
      // Nothing of what the account allowed is kept: no grant (which app, which scopes), code or token.
      // (oidc-provider's own browser sessions, Session, expire within the hour and grant nothing here.)
      const left = await useDatabase(api.server.databaseUrl).oAuthObject.findMany({ where: { userId, model: { not: "Session" } }, select: { model: true } });
      expect(left).toEqual([]);
      // …so the admin console's list of OAuth sessions shows none of the account's any more.
      const sessions = (await listOAuthClients()).flatMap((client) => client.sessions);
      expect(sessions.filter((listed) => listed.userId === userId)).toEqual([]);
    }
  });
});
