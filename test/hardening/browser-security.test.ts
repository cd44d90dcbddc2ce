// Browser-facing hardening over HTTP against the built server and real OpenID Providers: the
// security headers of every HTML page, cross-site request forgery on every form, cookie attributes
// (Secure under an https public_baseurl: cookies-https.test.ts), and redirects that only go where
// Synapse sends them. Headers and CSRF do not depend on the database, so these run on SQLite only.
import http from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashSecret } from "../../lib/auth/secrets";
import { expectHardenedPage, forgedPost, ownPost } from "../../test-support/browser-requests";
import { startSsoFixture, type SsoFixture, signInThroughIdp } from "../../test-support/sso-fixture";
import { createUserDirectly, disconnectAll, useDatabase } from "../../test-support/users";

const FORGERIES = [
  { name: "another site", origin: "https://evil.example", fetchSite: "cross-site" },
  { name: "a sibling on the same host (same-site)", origin: "http://127.0.0.1:1", fetchSite: "same-site" },
  { name: "an opaque origin", origin: "null", fetchSite: "cross-site" },
  { name: "another site, in a browser without Sec-Fetch-Site", origin: "https://evil.example", fetchSite: "" },
  { name: "an opaque origin, in a browser without Sec-Fetch-Site", origin: "null", fetchSite: "" },
];

describe("browser-facing pages", () => {
  let fixture: SsoFixture;
  let base: string;
  const database = () => useDatabase(fixture.server.databaseUrl);

  beforeAll(async () => {
    fixture = await startSsoFixture();
    base = fixture.server.baseUrl;
    await createUserDirectly(fixture.server.databaseUrl, { localpart: "pat", password: "pat-password" });
  });

  afterAll(async () => {
    await fixture?.stop();
    await disconnectAll();
  });

  const signInAtIdp = (idp: string, username: string, password: string, redirectUrl: string) =>
    signInThroughIdp(base, idp, username, password, redirectUrl);

  async function reachPicker(account: number) {
    const { browser, callbackUrl } = await signInAtIdp("oidc-social", `friend${account}`, `social-pw-${account}`, fixture.trustedClientUrl);
    const response = await browser.get(callbackUrl);
    expect(response.status).toBe(302);
    return browser;
  }

  async function uiAuthSession(): Promise<{ session: string; accessToken: string }> {
    const login = await fetch(`${base}/_matrix/client/v3/login`, {
      method: "POST",
      body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: "pat" }, password: "pat-password" }),
    });
    const { access_token: accessToken, device_id: deviceId } = await login.json();
    const challenge = await fetch(`${base}/_matrix/client/v3/devices/${deviceId}`, { method: "DELETE", headers: { Authorization: `Bearer ${accessToken}` } });
    expect(challenge.status).toBe(401);
    return { session: (await challenge.json()).session, accessToken };
  }

  describe("security headers", () => {
    it("the login fallback page (rendered like the SSO pages since issue 15) runs only scripts from this origin", async () => {
      const first = await fetch(`${base}/_matrix/static/client/login`);
      expect(first.status).toBe(200);
      const html = await expectHardenedPage(first);
      expect(html).toMatch(/Log in to (<!-- -->)?test\.local/);
      const csp = first.headers.get("content-security-policy")!;
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      expect(csp).not.toContain("unsafe-inline");
      expect(html).toContain('<script src="/login-fallback.js" defer="">');
    });

    it("Next.js's own not-found page sends the same headers", async () => {
      // It is prerendered at build time, so its inline scripts carry no nonce and the CSP blocks
      // them: the page is static text and needs none of them.
      const response = await fetch(`${base}/no/such/page`);
      expect(response.status).toBe(404);
      await expectHardenedPage(response, { checkInlineScripts: false });
    });

    it("the IdP picker, username picker, confirm page and error page", async () => {
      await expectHardenedPage(await fetch(`${base}/_synapse/client/pick_idp?${new URLSearchParams({ redirectUrl: fixture.clientUrl })}`));
      const picker = await reachPicker(0);
      await expectHardenedPage(await picker.get(`${base}/_synapse/client/pick_username/account_details`));

      const { browser, callbackUrl } = await signInAtIdp("oidc-corp", "alice", "alice-pw", fixture.clientUrl);
      expect((await browser.get(callbackUrl)).status).toBe(303);
      const confirm = await browser.get(`${base}/_synapse/client/sso_confirm`);
      expect(confirm.status).toBe(200);
      await expectHardenedPage(confirm);

      const error = await fetch(`${base}/_synapse/client/oidc/callback?code=x&state=y`);
      expect(error.status).toBe(400);
      await expectHardenedPage(error);
    });

    it("the UI-auth fallback pages, whose URL carries the session", async () => {
      const { session } = await uiAuthSession();
      await expectHardenedPage(await fetch(`${base}/_matrix/client/v3/auth/m.login.password/fallback/web?session=${session}`));
      await expectHardenedPage(await fetch(`${base}/_matrix/client/v3/auth/m.login.sso/fallback/web?session=${session}`));
      await expectHardenedPage(await fetch(`${base}/_matrix/client/v3/auth/m.login.password/fallback/web?session=unknown`));
    });
  });

  describe("cross-site request forgery", () => {
    it.each(FORGERIES)("a username submitted from $name is refused with 403 and registers nobody", async (site) => {
      const browser = await reachPicker(1 + FORGERIES.indexOf(site));
      const url = `${base}/_synapse/client/pick_username/account_details`;
      const localpart = `forged${FORGERIES.indexOf(site)}`;
      const forged = await forgedPost(url, browser.cookies, `username=${localpart}`, site);
      expect(forged.status).toBe(403);
      expect(forged.headers.get("location")).toBeNull();
      expect(forged.headers.getSetCookie()).toEqual([]);
      expect(await database().user.findUnique({ where: { userId: `@${localpart}:test.local` } })).toBeNull();
      // The session is untouched: the person can still choose a name from the real page.
      const secret = decodeURIComponent(browser.cookies.get("username_mapping_session")!);
      const session = await database().usernameMappingSession.findUnique({ where: { idHash: hashSecret(secret) } });
      expect(session?.chosenLocalpart ?? null).not.toBe(localpart);
      const real = await ownPost(url, browser.cookies, `username=${localpart}`);
      expect(real.status).toBe(302);
      expect(await database().user.findUnique({ where: { userId: `@${localpart}:test.local` } })).not.toBeNull();
    });

    it.each(FORGERIES)("a confirm POST from $name is refused with 403 and mints no login token", async (site) => {
      const { browser, callbackUrl } = await signInAtIdp("oidc-corp", "alice", "alice-pw", fixture.clientUrl);
      // The hand-off waits behind the confirm page (reached by POST-redirect-GET, issue 15).
      const callback = await browser.get(callbackUrl);
      expect(callback.status).toBe(303);
      expect((await browser.get(`${base}/_synapse/client/sso_confirm`)).status).toBe(200);
      const tokensBefore = await database().loginToken.count();
      const url = `${base}/_synapse/client/sso_confirm`;
      const forged = await forgedPost(url, browser.cookies, "", site);
      expect(forged.status).toBe(403);
      expect(forged.headers.get("location")).toBeNull();
      expect(await database().loginToken.count()).toBe(tokensBefore);
      // A cross-site top-level GET of the link Synapse's template uses cannot push the hand-off
      // through either (a plain GET only shows the page since issue 15's POST-redirect-GET).
      const get = await fetch(`${url}?continue=1`, {
        redirect: "manual",
        headers: { Cookie: [...browser.cookies].map(([n, v]) => `${n}=${v}`).join("; "), "Sec-Fetch-Site": site.fetchSite || "cross-site" },
      });
      expect(get.status).toBeGreaterThanOrEqual(400);
      expect(get.headers.get("location")).toBeNull();
      expect(await database().loginToken.count()).toBe(tokensBefore);
      const real = await ownPost(url, browser.cookies, "");
      expect(real.status).toBe(303);
      expect(new URL(real.headers.get("location")!).searchParams.get("loginToken")).toMatch(/^syl_/);
    });

    it.each(FORGERIES)("a password fallback POST from $name is refused with 403 and completes no stage", async (site) => {
      const { session, accessToken } = await uiAuthSession();
      const url = `${base}/_matrix/client/v3/auth/m.login.password/fallback/web?session=${session}`;
      const forged = await forgedPost(url, new Map(), "password=pat-password", site);
      expect(forged.status).toBe(403);
      const row = await database().uiAuthSession.findUnique({ where: { id: session } });
      expect(JSON.parse(row!.completed)).toEqual({});
      const real = await ownPost(url, new Map(), "password=pat-password");
      expect(real.status).toBe(200);
      expect(JSON.parse((await database().uiAuthSession.findUnique({ where: { id: session } }))!.completed)).toHaveProperty("m.login.password");
      expect(accessToken).toMatch(/^syt_/);
    });

    it("lets through a form posted without browser headers (not a browser: no ambient cookies to abuse)", async () => {
      const browser = await reachPicker(1 + FORGERIES.length);
      const response = await browser.postForm(`${base}/_synapse/client/pick_username/account_details`, { username: "_bad" });
      // Handled (refused name: back to the form), not refused as cross-site.
      expect(response.status).toBe(303);
    });
  });

  describe("redirects", () => {
    it("sends the browser to the public base URL, never to the Host a request named", async () => {
      const url = new URL(`${base}/_matrix/client/v3/login/sso/redirect/oidc-corp?redirectUrl=${encodeURIComponent(fixture.clientUrl)}`);
      const location = await new Promise<string | undefined>((resolve, reject) => {
        http
          .get({ host: url.hostname, port: url.port, path: url.pathname + url.search, headers: { Host: "evil.example" } }, (response) => {
            response.resume();
            resolve(response.headers.location);
          })
          .on("error", reject);
      });
      expect(location?.startsWith(`${base}/`)).toBe(true);
    });

    it("only ever redirects to our own origin or a configured IdP, whatever the parameters (property)", async () => {
      const allowedOrigins = new Set([base, fixture.corp.issuer, fixture.social.issuer]);
      const hostile = fc.oneof(
        fc.constantFrom(
          "https://evil.example/",
          "//evil.example/",
          "/\\evil.example",
          "javascript:alert(1)",
          "data:text/html,x",
          "http://127.0.0.1:1/",
          "oidc-corp/../../evil",
          "https:evil.example",
          " https://evil.example",
          "\u0000",
        ),
        fc.webUrl(),
        fc.string({ maxLength: 40 }),
      );
      await fc.assert(
        fc.asyncProperty(hostile, hostile, fc.constantFrom("redirect", "redirect-idp", "pick_idp"), async (redirectUrl, idp, endpoint) => {
          const path =
            endpoint === "redirect"
              ? `/_matrix/client/v3/login/sso/redirect?${new URLSearchParams({ redirectUrl, idp })}`
              : endpoint === "redirect-idp"
                ? `/_matrix/client/v3/login/sso/redirect/${encodeURIComponent(idp)}?${new URLSearchParams({ redirectUrl })}`
                : `/_synapse/client/pick_idp?${new URLSearchParams({ redirectUrl, idp })}`;
          const response = await fetch(`${base}${path}`, { redirect: "manual" });
          expect(response.status).toBeLessThan(500);
          const location = response.headers.get("location");
          if (location !== null) {
            const target = new URL(location, base);
            expect(allowedOrigins.has(target.origin), `${path} → ${location}`).toBe(true);
          }
          await response.body?.cancel();
        }),
        { numRuns: 120 },
      );
    });

    it("the UI-auth SSO page only offers the user's own IdPs, never a URL from the query", async () => {
      const { session } = await uiAuthSession();
      const response = await fetch(`${base}/_matrix/client/v3/auth/m.login.sso/fallback/web?session=${session}&idp=https://evil.example/`, { redirect: "manual" });
      expect(response.headers.get("location")).toBeNull();
    });

    it("hands the login token only to the client's redirectUrl, after the confirm page", async () => {
      const { browser, callbackUrl } = await signInAtIdp("oidc-corp", "alice", "alice-pw", fixture.clientUrl);
      // The callback goes on to our own confirm page (POST-redirect-GET, issue 15), never to the client.
      const callback = await browser.get(callbackUrl);
      expect(new URL(callback.headers.get("location")!, base).toString()).toBe(`${base}/_synapse/client/sso_confirm`);
      const confirm = await browser.get(`${base}/_synapse/client/sso_confirm`);
      const html = await confirm.text();
      expect(html).not.toContain("loginToken");
      expect(confirm.headers.get("location")).toBeNull();
      const done = await ownPost(`${base}/_synapse/client/sso_confirm`, browser.cookies, "redirectUrl=https%3A%2F%2Fevil.example%2F");
      const target = new URL(done.headers.get("location")!);
      expect(`${target.origin}${target.pathname}`).toBe(`${new URL(fixture.clientUrl).origin}/app`);
    });
  });

  describe("sso.client_whitelist", () => {
    it("hands the token straight back only to the whitelisted path; a URL that merely starts like it gets the confirm page", async () => {
      const trusted = await signInAtIdp("oidc-corp", "alice", "alice-pw", fixture.trustedClientUrl);
      const direct = await trusted.browser.get(trusted.callbackUrl);
      expect(new URL(direct.headers.get("location")!).searchParams.get("loginToken")).toMatch(/^syl_/);

      // Synapse's prefix match would hand this one the token without asking.
      const lookalike = `${fixture.trustedClientUrl}-lookalike/`;
      const { browser, callbackUrl } = await signInAtIdp("oidc-corp", "alice", "alice-pw", lookalike);
      const callback = await browser.get(callbackUrl);
      expect(new URL(callback.headers.get("location")!, base).toString()).toBe(`${base}/_synapse/client/sso_confirm`);
      const confirm = await browser.get(`${base}/_synapse/client/sso_confirm`);
      expect(confirm.headers.get("location")).toBeNull();
      const html = await confirm.text();
      expect(html).not.toContain("loginToken");
      expect(html).toContain("Continue");
    });

    it("says at start-up how each entry is read", () => {
      expect(fixture.server.output()).toContain(`sso.client_whitelist: "${fixture.trustedClientUrl}" covers`);
    });
  });

  describe("cookies", () => {
    it("are HttpOnly, SameSite=Lax and scoped to the paths that read them", async () => {
      const seen: string[] = [];
      const { browser, callbackUrl, start } = await signInAtIdp("oidc-social", "friend7", "social-pw-7", fixture.clientUrl);
      seen.push(...start.headers.getSetCookie());
      const callback = await browser.get(callbackUrl);
      seen.push(...callback.headers.getSetCookie());
      const done = await ownPost(`${base}/_synapse/client/pick_username/account_details`, browser.cookies, "username=cookie.monster");
      seen.push(...done.headers.getSetCookie());
      const names = new Set(seen.map((cookie) => cookie.split("=")[0]));
      expect(names).toEqual(new Set(["oidc_session", "username_mapping_session", "sso_handoff"]));
      for (const cookie of seen) {
        expect(cookie).toMatch(/;\s*HttpOnly/i);
        expect(cookie).toMatch(/;\s*SameSite=(Lax|Strict)/i);
        expect(cookie).not.toMatch(/;\s*Secure/i);
        expect(cookie).not.toMatch(/;\s*Domain=/i);
      }
      const paths = Object.fromEntries(seen.map((cookie) => [cookie.split("=")[0], /;\s*Path=([^;]*)/i.exec(cookie)?.[1]]));
      expect(paths.oidc_session).toBe("/_synapse/client/oidc");
      expect(paths.sso_handoff).toBe("/_synapse/client/sso_confirm");
      expect(paths.username_mapping_session?.startsWith("/")).toBe(true);
    });
  });
});
