// SSO over OpenID Connect against real OpenID Providers (oidc-provider), over HTTP against the built
// server, on SQLite and PostgreSQL: redirect, callback checks, mapping, username picker, hand-off.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMappingSession } from "../lib/sso/mapping-sessions";
import { hashSecret } from "../lib/auth/secrets";
import { BACKENDS, freshDatabaseUrl } from "../test-support/backends";
import type { CookieClient } from "../test-support/cookie-client";
import { signInThroughIdp, startSsoFixture, type SsoFixture } from "../test-support/sso-fixture";
import { createUserDirectly, disconnectAll, useDatabase } from "../test-support/users";

describe.each(BACKENDS)("SSO over OIDC on %s", (backend) => {
  let fixture: SsoFixture;
  let base: string;
  let databaseUrl: string;
  const database = () => useDatabase(databaseUrl);

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl(backend);
    fixture = await startSsoFixture({ databaseUrl });
    base = fixture.server.baseUrl;
    await createUserDirectly(databaseUrl, { localpart: "carol.smith", password: "x" });
    await createUserDirectly(databaseUrl, { localpart: "taken" });
    await createUserDirectly(databaseUrl, { localpart: "taken1" });
  });

  afterAll(async () => {
    await fixture?.stop();
    await disconnectAll();
  });

  /** Starts a login at an IdP and signs in there; returns the browser and our callback URL. */
  const signInAtIdp = (idp: string, username: string, password: string, redirectUrl: string) =>
    signInThroughIdp(base, idp, username, password, redirectUrl);

  async function exchangeLoginToken(location: string) {
    const token = new URL(location).searchParams.get("loginToken");
    expect(token).toMatch(/^syl_/);
    return fetch(`${base}/_matrix/client/v3/login`, {
      method: "POST",
      body: JSON.stringify({ type: "m.login.token", token }),
    });
  }

  it("advertises the providers and the token flow in GET /login", async () => {
    const { flows } = await (await fetch(`${base}/_matrix/client/r0/login`)).json();
    expect(flows).toEqual([
      {
        type: "m.login.sso",
        identity_providers: [
          { id: "oidc-corp", name: "Corp SSO", icon: "mxc://corp.example/logo", brand: "corp" },
          { id: "oidc-social", name: "Social Login" },
        ],
        // The OAuth 2.0 API is on by default (lib/oauth): clients that can should use it (MSC3824).
        oauth_aware_preferred: true,
        "org.matrix.msc3824.delegated_oidc_compatibility": true,
      },
      { type: "m.login.token" },
      { type: "m.login.password" },
    ]);
  });

  it.each([
    ["no redirectUrl", "/_matrix/client/v3/login/sso/redirect/oidc-corp", 400, { errcode: "M_MISSING_PARAM", error: "Missing string query parameter redirectUrl" }],
    ["an unknown IdP", "/_matrix/client/v3/login/sso/redirect/oidc-nope?redirectUrl=https://app.example/", 404, { errcode: "M_NOT_FOUND", error: "Unknown identity provider" }],
    ["a javascript: redirectUrl", "/_matrix/client/v3/login/sso/redirect/oidc-corp?redirectUrl=javascript:alert(1)", 400, { errcode: "M_INVALID_PARAM" }],
    ["a data: redirectUrl", "/_matrix/client/v3/login/sso/redirect?redirectUrl=data:text/html,hi", 400, { errcode: "M_INVALID_PARAM" }],
  ])("refuses a redirect with %s", async (_name, path, status, json) => {
    const response = await fetch(`${base}${path}`, { redirect: "manual" });
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject(json);
  });

  it("sends a client to the picker when several IdPs are configured", async () => {
    const response = await fetch(`${base}/_matrix/client/v3/login/sso/redirect?redirectUrl=${encodeURIComponent(fixture.clientUrl)}`, { redirect: "manual" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`/_synapse/client/pick_idp?${new URLSearchParams({ redirectUrl: fixture.clientUrl })}`);
    const picker = await fetch(`${base}${response.headers.get("location")}`);
    const html = await picker.text();
    expect(html).toContain("Corp SSO");
    expect(html).toContain("Social Login");
    const chosen = await fetch(`${base}/_synapse/client/pick_idp?idp=oidc-social&redirectUrl=${encodeURIComponent(fixture.clientUrl)}`, { redirect: "manual" });
    expect(chosen.headers.get("location")).toBe(`${base}/_matrix/client/v3/login/sso/redirect/oidc-social?${new URLSearchParams({ redirectUrl: fixture.clientUrl })}`);
    const unknown = await fetch(`${base}/_synapse/client/pick_idp?idp=https://evil.example/&redirectUrl=x:y`, { redirect: "manual" });
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get("location")).toBeNull();
    expect(await unknown.text()).toContain("unknown_idp");
  });

  it("redirects to the IdP with state, nonce and PKCE, keeping them in a sealed HttpOnly cookie", async () => {
    const response = await fetch(`${base}/_matrix/client/v3/login/sso/redirect/oidc-corp?redirectUrl=${encodeURIComponent(fixture.clientUrl)}`, { redirect: "manual" });
    const location = new URL(response.headers.get("location")!);
    expect(location.origin).toBe(fixture.corp.issuer);
    expect(location.searchParams.get("redirect_uri")).toBe(`${base}/_synapse/client/oidc/callback`);
    // 256 bits each, in base64url. (The challenge is a SHA-256 hash, 43 characters whatever the
    // verifier; the verifier itself is checked by the OpenID Provider in the sign-ins below.)
    expect(location.searchParams.get("state")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(location.searchParams.get("nonce")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(location.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(location.searchParams.get("code_challenge_method")).toBe("S256");
    // Every redirect draws fresh values.
    const again = await fetch(`${base}/_matrix/client/v3/login/sso/redirect/oidc-corp?redirectUrl=${encodeURIComponent(fixture.clientUrl)}`, { redirect: "manual" });
    const againLocation = new URL(again.headers.get("location")!);
    for (const name of ["state", "nonce", "code_challenge"]) expect(againLocation.searchParams.get(name)).not.toBe(location.searchParams.get(name));
    expect(location.searchParams.get("scope")).toBe("openid profile email");
    const cookie = response.headers.getSetCookie().find((value) => value.startsWith("oidc_session="))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\/_synapse\/client\/oidc/);
    expect(cookie).not.toContain(location.searchParams.get("state")!);
  });

  it("registers a new user from the mapper and hands a whitelisted client a one-time login token", async () => {
    const { browser, callbackUrl } = await signInAtIdp("oidc-corp", "alice", "alice-pw", fixture.trustedClientUrl);
    const callback = await browser.get(callbackUrl);
    expect(callback.status).toBe(302);
    const location = callback.headers.get("location")!;
    expect(location.startsWith(`${fixture.trustedClientUrl}?loginToken=`)).toBe(true);
    // The state cookie is spent.
    expect(callback.headers.getSetCookie().some((value) => /^oidc_session=;.*Max-Age=0/.test(value))).toBe(true);

    const login = await exchangeLoginToken(location);
    expect(login.status).toBe(200);
    const body = await login.json();
    expect(body).toMatchObject({ user_id: "@alice:test.local", department: "research" });
    const user = await database().user.findUnique({ where: { userId: "@alice:test.local" }, include: { externalIds: true, threepids: true } });
    expect(user?.displayName).toBe("Alice Liddell");
    expect(user?.externalIds).toMatchObject([{ authProvider: "oidc-corp", externalId: "corp-alice" }]);
    expect(user?.threepids).toMatchObject([{ medium: "email", address: "alice@corp.example" }]);

    const replay = await exchangeLoginToken(location);
    expect(replay.status).toBe(403);
    expect(await replay.json()).toEqual({ errcode: "M_FORBIDDEN", error: "Invalid login token" });
  });

  it("shows the confirm page to a client that is not whitelisted, and gives the token only on Continue", async () => {
    const { browser, callbackUrl } = await signInAtIdp("oidc-corp", "alice", "alice-pw", fixture.clientUrl);
    // POST-redirect-GET (issue 15): the callback sends the browser on to the confirm page, so a
    // reload or Back asks for that page again instead of replaying the spent callback.
    const callback = await browser.get(callbackUrl);
    expect(callback.status).toBe(303);
    expect(new URL(callback.headers.get("location")!, base).toString()).toBe(`${base}/_synapse/client/sso_confirm`);
    const confirm = await browser.get(`${base}/_synapse/client/sso_confirm`);
    expect(confirm.status).toBe(200);
    const html = await confirm.text();
    expect(html).toContain("Continue to your account");
    expect(html).toContain("127.0.0.1:");
    expect(html).toContain("@alice:test.local");
    expect(html).not.toContain("loginToken");
    expect(confirm.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");

    const proceed = await browser.postForm(`${base}/_synapse/client/sso_confirm`, {});
    expect(proceed.status).toBe(303);
    const location = new URL(proceed.headers.get("location")!);
    expect(location.pathname).toBe("/app");
    expect(location.searchParams.get("state")).toBe("xyz");
    expect(location.hash).toBe("#frag");
    expect((await exchangeLoginToken(location.toString())).status).toBe(200);

    const again = await browser.postForm(`${base}/_synapse/client/sso_confirm`, {});
    expect(again.status).toBe(400);
  });

  it("de-duplicates a taken name (carol.smith → carol.smith1) and keeps returning users on their account", async () => {
    const first = await signInAtIdp("oidc-corp", "Carol.Smith", "carol-pw", fixture.trustedClientUrl);
    const callback = await first.browser.get(first.callbackUrl);
    const login = await (await exchangeLoginToken(callback.headers.get("location")!)).json();
    expect(login.user_id).toBe("@carol.smith1:test.local");

    const again = await signInAtIdp("oidc-corp", "Carol.Smith", "carol-pw", fixture.trustedClientUrl);
    const second = await again.browser.get(again.callbackUrl);
    expect((await (await exchangeLoginToken(second.headers.get("location")!)).json()).user_id).toBe("@carol.smith1:test.local");
    expect(await database().user.count({ where: { userId: { startsWith: "@carol.smith" } } })).toBe(2);
  });

  it("refuses a user who fails attribute_requirements and creates nothing", async () => {
    const { browser, callbackUrl } = await signInAtIdp("oidc-corp", "mallory", "mallory-pw", fixture.trustedClientUrl);
    const response = await browser.get(callbackUrl);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("You are not allowed to log in here.");
    expect(await database().user.findFirst({ where: { userIdLower: { contains: "mallory" } } })).toBeNull();
  });

  it("ends the login of a user whose mapped name is not allowed on the error page, as Synapse (no picker overriding the mapping)", async () => {
    const usersBefore = await database().user.count();
    const { browser, callbackUrl } = await signInAtIdp("oidc-corp", "12345", "digits-pw", fixture.trustedClientUrl);
    const response = await browser.get(callbackUrl);
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
    const html = await response.text();
    expect(html).toContain("mapping_error");
    expect(html).toContain("proposed a user name that is not allowed");
    expect(fixture.server.output()).toMatch(/oidc-corp failed: \S+ proposed the localpart "12345", which is not valid in a Matrix ID \(Numeric user IDs are reserved for guest users\.\)/);
    expect(await database().user.count()).toBe(usersBefore);
  });

  it.each([
    ["the IdP's error", (url: URL) => `${base}/_synapse/client/oidc/callback?error=access_denied&error_description=User+said+no&state=${url.searchParams.get("state")}`, "User said no", "access_denied"],
    ["a forged state", (url: URL) => url.toString().replace(/state=[^&]+/, "state=forged"), "does not match", "mismatching_session"],
    // Synapse's "State parameter is missing" goes to the log; the page says it in plain words.
    ["no state", (url: URL) => url.toString().replace(/state=[^&]+/, ""), "This sign-in link is incomplete or was changed on the way", "invalid_request"],
  ])("ends on the error page with %s, storing nothing", async (_name, tamper, message, code) => {
    const usersBefore = await database().user.count();
    const { browser, callbackUrl } = await signInAtIdp("oidc-corp", "alice", "alice-pw", fixture.trustedClientUrl);
    const response = await browser.get(tamper(new URL(callbackUrl)));
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain(message);
    expect(html).toContain(code);
    expect(response.headers.get("location")).toBeNull();
    expect(await database().user.count()).toBe(usersBefore);
  });

  it("refuses a callback without the browser's cookie, a tampered cookie, and a replayed callback", async () => {
    const { browser, callbackUrl } = await signInAtIdp("oidc-corp", "alice", "alice-pw", fixture.trustedClientUrl);
    const stranger = await fetch(callbackUrl, { redirect: "manual" });
    expect(stranger.status).toBe(400);
    // In plain words (it is what Back after a finished login shows); the code is in the log.
    expect(await stranger.text()).toContain("This sign-in link has expired or was already used");
    expect(fixture.server.output()).toMatch(/SSO error page 400 bad_session: OIDC callback: missing_session/);

    const tampered = await fetch(callbackUrl, { redirect: "manual", headers: { Cookie: `oidc_session=${browser.cookies.get("oidc_session")!.slice(0, -4)}AAAA` } });
    expect(tampered.status).toBe(400);
    expect(await tampered.text()).toContain("invalid_session");

    expect((await browser.get(callbackUrl)).status).toBe(302);
    const replay = await fetch(callbackUrl, { redirect: "manual", headers: { Cookie: `oidc_session=${[...browser.cookies.values()][0] ?? ""}` } });
    expect(replay.status).toBe(400);
  });

  describe("username picker", () => {
    async function reachPicker(account: number) {
      const { browser, callbackUrl } = await signInAtIdp("oidc-social", `friend${account}`, `social-pw-${account}`, fixture.trustedClientUrl);
      const response = await browser.get(callbackUrl);
      expect(response.status).toBe(302);
      expect(response.headers.get("location")).toBe("/_synapse/client/pick_username/account_details");
      const cookie = response.headers.getSetCookie().find((value) => value.startsWith("username_mapping_session="))!;
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Lax/);
      expect(cookie).toMatch(/Path=\//);
      return browser;
    }
    const check = (browser: CookieClient, username: string) =>
      browser.get(`${base}/_synapse/client/pick_username/check?username=${encodeURIComponent(username)}`);

    it("shows the form with the IdP's name, display name and emails", async () => {
      const browser = await reachPicker(0);
      const html = await (await browser.get(`${base}/_synapse/client/pick_username/account_details`)).text();
      expect(html).toContain("Social Login");
      expect(html).toContain('name="username"');
      expect(html).toContain("Friend 0");
      expect(html).toContain("friend0@social.example");
    });

    it("answers the availability check only within a session, with the full validation", async () => {
      const browser = await reachPicker(1);
      expect(await (await check(browser, "brandnew")).json()).toEqual({ available: true });
      expect(await (await check(browser, "TAKEN")).json()).toMatchObject({ errcode: "M_INVALID_USERNAME" });
      expect(await (await check(browser, "taken")).json()).toEqual({ available: false });
      for (const bad of ["_hidden", "12345", "no spaces", "a".repeat(250), ""]) {
        const response = await check(browser, bad);
        expect(response.status).toBe(400);
        expect((await response.json()).errcode).toBe("M_INVALID_USERNAME");
      }
      const missing = await browser.get(`${base}/_synapse/client/pick_username/check`);
      expect(await missing.json()).toEqual({ errcode: "M_MISSING_PARAM", error: "Missing string query parameter 'username'" });
      const stranger = await fetch(`${base}/_synapse/client/pick_username/check?username=taken`);
      expect(stranger.status).toBe(400);
      expect(await stranger.json()).toEqual({ errcode: "M_UNKNOWN", error: "missing session_id" });
      const forged = await fetch(`${base}/_synapse/client/pick_username/check?username=taken`, { headers: { Cookie: "username_mapping_session=forged" } });
      expect(await forged.json()).toEqual({ errcode: "M_UNKNOWN", error: "unknown session" });
    });

    it("keeps the typed values when a name is refused (POST-redirect-GET), then registers and links on a good one", async () => {
      const browser = await reachPicker(2);
      const url = `${base}/_synapse/client/pick_username/account_details`;
      const taken = await browser.postForm(url, { username: "taken", use_display_name: "true", use_email: "friend2@social.example" });
      // Back to the form by a GET, so a reload shows it again instead of re-submitting.
      expect(taken.status).toBe(303);
      expect(taken.headers.get("location")).toBe("/_synapse/client/pick_username/account_details");
      const shown = await browser.get(url);
      expect(shown.status).toBe(200);
      const html = await shown.text();
      expect(html).toContain("taken is taken, please choose another.");
      expect(html).toContain('value="taken"');

      const invalid = await browser.postForm(url, { username: "_sneaky" });
      expect(invalid.status).toBe(303);
      expect(await (await browser.get(url)).text()).toContain("User ID may not begin with _");

      const done = await browser.postForm(url, { username: "friend.two", use_email: ["friend2@social.example", "injected@evil.example"] });
      expect(done.status).toBe(302);
      expect(done.headers.getSetCookie().some((value) => /^username_mapping_session=;.*Max-Age=0/.test(value))).toBe(true);
      const login = await (await exchangeLoginToken(done.headers.get("location")!)).json();
      expect(login.user_id).toBe("@friend.two:test.local");
      const user = await database().user.findUnique({ where: { userId: "@friend.two:test.local" }, include: { threepids: true, externalIds: true } });
      // Display name not chosen: it defaults to the localpart, as Synapse does.
      expect(user?.displayName).toBe("friend.two");
      expect(user?.threepids.map((t) => t.address)).toEqual(["friend2@social.example"]);
      expect(user?.externalIds).toMatchObject([{ authProvider: "oidc-social", externalId: "social-2" }]);

      // The session is gone: a second submit cannot create another account.
      const replay = await browser.postForm(url, { username: "friend.again" });
      expect(replay.status).toBe(400);
      expect(await database().user.findUnique({ where: { userId: "@friend.again:test.local" } })).toBeNull();

      // Next time the same person logs in, the picker is skipped.
      const { browser: returning, callbackUrl } = await signInAtIdp("oidc-social", "friend2", "social-pw-2", fixture.trustedClientUrl);
      const back = await returning.get(callbackUrl);
      expect(back.status).toBe(302);
      expect((await (await exchangeLoginToken(back.headers.get("location")!)).json()).user_id).toBe("@friend.two:test.local");
    });

    it("creates exactly one user when fifty sessions submit the same name at once", async () => {
      database();
      const secrets = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          createMappingSession({
            authProviderId: "oidc-social",
            remoteUserId: `race-${index}`,
            displayName: null,
            emails: [],
            avatarUrl: null,
            extraAttributes: null,
            clientRedirectUrl: fixture.trustedClientUrl,
            chosenLocalpart: null,
            lastError: null,
          }),
        ),
      );
      const responses = await Promise.all(
        secrets.map((secret) =>
          fetch(`${base}/_synapse/client/pick_username/account_details`, {
            method: "POST",
            redirect: "manual",
            headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: `username_mapping_session=${secret}` },
            body: "username=racer",
          }),
        ),
      );
      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status === 302)).toHaveLength(1);
      // The others go back to their form (303), which says why.
      expect(statuses.filter((status) => status === 303)).toHaveLength(49);
      for (const [index, response] of responses.entries()) {
        if (response.status !== 303) continue;
        const form = await fetch(`${base}/_synapse/client/pick_username/account_details`, { headers: { Cookie: `username_mapping_session=${secrets[index]}` } });
        expect(await form.text()).toContain("racer is taken");
      }
      expect(await database().user.count({ where: { userIdLower: "@racer:test.local" } })).toBe(1);
      expect(await database().userExternalId.count({ where: { userId: "@racer:test.local" } })).toBe(1);
    });

    it("says an expired session has expired and offers to start again", async () => {
      const browser = await reachPicker(3);
      const secret = browser.cookies.get("username_mapping_session")!;
      await database().usernameMappingSession.update({ where: { idHash: hashSecret(decodeURIComponent(secret)) }, data: { expiresAt: new Date(Date.now() - 1000) } });
      const response = await browser.get(`${base}/_synapse/client/pick_username/account_details`);
      expect(response.status).toBe(400);
      const html = await response.text();
      expect(html).toContain("expired");
      expect(html).toContain("/_matrix/client/v3/login/sso/redirect/oidc-social?redirectUrl=");
      const submit = await browser.postForm(`${base}/_synapse/client/pick_username/account_details`, { username: "late" });
      expect(submit.status).toBe(400);
      expect(await database().user.findUnique({ where: { userId: "@late:test.local" } })).toBeNull();
    });
  });
});
