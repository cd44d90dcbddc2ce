// The sign-in page of this service's own pages (/sign-in, lib/web-session) over HTTP against the
// built server and a real OpenID Provider: the password form (same answer for a wrong password and
// an unknown user, rc_login), the IdP buttons through the ordinary SSO login with no confirm page,
// the browser binding of the SSO return (login CSRF), the session cookie, `next`, re-authentication,
// and cross-site posts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectHardenedPage, forgedPost, ownPost } from "../../test-support/browser-requests";
import { CookieClient } from "../../test-support/cookie-client";
import { loginWithFetch } from "../../test-support/oidc-provider";
import { startServer, type RunningServer } from "../../test-support/server";
import { startSsoFixture, type SsoFixture } from "../../test-support/sso-fixture";
import { createUserDirectly, disconnectAll, useDatabase } from "../../test-support/users";
import { hashPassword } from "../../lib/auth/passwords";

let fixture: SsoFixture;
let base: string;

beforeAll(async () => {
  fixture = await startSsoFixture();
  base = fixture.server.baseUrl;
  await createUserDirectly(fixture.server.databaseUrl, { localpart: "pat", password: "pat-password" });
});

afterAll(async () => {
  await fixture?.stop();
  await disconnectAll();
});

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

async function passwordSignIn(browser: CookieClient, username: string, password: string, extra: Record<string, string> = {}) {
  const response = await ownPost(`${base}/sign-in`, browser.cookies, form({ username, password, ...extra }));
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(";");
    const index = pair.indexOf("=");
    if (/max-age=0/i.test(header)) browser.cookies.delete(pair.slice(0, index));
    else browser.cookies.set(pair.slice(0, index), pair.slice(index + 1));
  }
  return response;
}

/** The IdP button: GET /sign-in/start?idp=…, on through our SSO redirect to the OP and back. */
async function ssoSignIn(browser: CookieClient, idp: string, username: string, password: string, extra: Record<string, string> = {}, at = base) {
  const start = await browser.get(`${at}/sign-in/start?${new URLSearchParams({ idp, ...extra })}`);
  expect(start.status).toBe(303);
  expect(browser.cookies.has("web_sign_in")).toBe(true);
  const redirect = await browser.get(new URL(start.headers.get("location")!, at).href);
  expect(redirect.status).toBe(302);
  const callbackUrl = await loginWithFetch(redirect.headers.get("location")!, username, password);
  const callback = await browser.get(callbackUrl);
  return { start, callback };
}

describe("the sign-in page", () => {
  it("offers the password form and one button per IdP, hardened like the other pages", async () => {
    const response = await fetch(`${base}/sign-in?next=/account`);
    expect(response.status).toBe(200);
    const html = await expectHardenedPage(response);
    expect(html).toContain('name="password"');
    expect(html).toContain("Sign in with Corp SSO");
    expect(html).toContain("Sign in with Social Login");
    expect(html).toContain('href="/sign-in/start?idp=oidc-corp&amp;next=%2Faccount"');
    expect(html).toContain('name="next" value="/account"');
  });

  it("gives a wrong password and an unknown user the same answer, and signs the right password in", async () => {
    const wrong = await passwordSignIn(new CookieClient(), "pat", "not-it");
    const unknown = await passwordSignIn(new CookieClient(), "nobody-here", "not-it");
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const sentence = (html: string) => /<p class="message error"[^>]*>([^<]*)</.exec(html)?.[1];
    expect(sentence(await wrong.text())).toBe("Wrong username or password.");
    expect(sentence(await unknown.text())).toBe("Wrong username or password.");
    expect(wrong.headers.getSetCookie()).toEqual([]);

    const browser = new CookieClient();
    const right = await passwordSignIn(browser, "pat", "pat-password", { next: "/account?action=org.matrix.profile" });
    expect(right.status).toBe(303);
    expect(right.headers.get("location")).toBe("/account?action=org.matrix.profile");
    const cookie = right.headers.getSetCookie().find((header) => header.startsWith("web_session="))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/); // public_baseurl is http here

    // The database holds the secret's hash only.
    const secret = browser.cookies.get("web_session")!;
    const rows = await useDatabase(fixture.server.databaseUrl).webSession.findMany({ where: { userId: "@pat:test.local" } });
    expect(rows.some((row) => row.method === "password")).toBe(true);
    expect(rows.every((row) => row.secretHash !== secret && row.id !== secret)).toBe(true);

    // Signed in: the page goes straight on to `next`.
    const again = await browser.get(`${base}/sign-in?next=/account`);
    expect(again.status).toBe(303);
    expect(again.headers.get("location")).toBe("/account");
  });

  it("only ever sends the browser on to a path of this site", async () => {
    const browser = new CookieClient();
    await passwordSignIn(browser, "pat", "pat-password");
    for (const next of ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "account"]) {
      const response = await browser.get(`${base}/sign-in?${new URLSearchParams({ next })}`);
      expect(response.headers.get("location"), next).toBe("/account");
    }
  });

  it("refuses a cross-site POST before checking anything", async () => {
    const response = await forgedPost(`${base}/sign-in`, new Map(), form({ username: "pat", password: "pat-password" }), {
      origin: "https://evil.example",
      fetchSite: "cross-site",
    });
    expect(response.status).toBe(403);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("signs in with an IdP through the ordinary SSO login, without the confirm page", async () => {
    const browser = new CookieClient();
    const { callback } = await ssoSignIn(browser, "oidc-corp", "alice", "alice-pw", { next: "/account?action=org.matrix.devices_list" });
    // Whitelisted: straight back to our own return URL with a login token (no "continue to this app?").
    expect(callback.status).toBe(302);
    const back = new URL(callback.headers.get("location")!);
    expect(back.pathname).toBe("/sign-in/sso");
    expect(back.searchParams.get("loginToken")).toBeTruthy();

    const finished = await browser.get(back.href);
    expect(finished.status).toBe(303);
    expect(finished.headers.get("location")).toBe("/account?action=org.matrix.devices_list");
    expect(browser.cookies.get("web_session")).toBeTruthy();
    expect(browser.cookies.has("web_sign_in")).toBe(false);
    const session = await useDatabase(fixture.server.databaseUrl).webSession.findFirst({ where: { userId: "@alice:test.local" }, orderBy: { createdAt: "desc" } });
    expect(session?.method).toBe("oidc-corp");
    // No device was made: this is not a Matrix login.
    expect(await useDatabase(fixture.server.databaseUrl).device.count({ where: { userId: "@alice:test.local" } })).toBe(0);
  });

  it("goes on to a `next` outside the account page by a page that continues by itself, not by a redirect", async () => {
    // A redirect chain from a form POST may not leave the site (CSP form-action), and an OAuth
    // authorization step after sign-in may send the browser on to its client.
    const browser = new CookieClient();
    const response = await passwordSignIn(browser, "pat", "pat-password", { next: "/oauth2/authorize?client_id=x" });
    expect(response.status).toBe(200);
    expect(response.headers.get("refresh")).toBe("0; url=/oauth2/authorize?client_id=x");
    expect(await response.text()).toContain('href="/oauth2/authorize?client_id=x"');
    expect(browser.cookies.get("web_session")).toBeTruthy();
    const sso = new CookieClient();
    const { callback } = await ssoSignIn(sso, "oidc-corp", "alice", "alice-pw", { next: "/elsewhere" });
    const finished = await sso.get(callback.headers.get("location")!);
    expect(finished.status).toBe(200);
    expect(finished.headers.get("refresh")).toBe("0; url=/elsewhere");
  });

  it("refuses a login token brought to a browser that did not start the sign-in (login CSRF), leaving the token unused", async () => {
    // The attacker signs in at the IdP as themselves and sends the return URL to the victim.
    const second = new CookieClient();
    const { callback: carol } = await ssoSignIn(second, "oidc-corp", "Carol.Smith", "carol-pw");
    const returnUrl = carol.headers.get("location")!;

    const victim = new CookieClient();
    const pushed = await victim.get(returnUrl);
    expect(pushed.status).toBe(400);
    expect(victim.cookies.has("web_session")).toBe(false);
    expect(await pushed.text()).toContain("You were not signed in");

    // The token is still good for the browser that started the sign-in.
    const own = await second.get(returnUrl);
    expect(own.status).toBe(303);
    expect(second.cookies.get("web_session")).toBeTruthy();
    // And it is single use.
    const replay = await second.get(returnUrl);
    expect(replay.status).toBe(400);
  });

  it("re-authentication keeps the session and moves authenticatedAt; another person gets a new session", async () => {
    const database = useDatabase(fixture.server.databaseUrl);
    const browser = new CookieClient();
    await passwordSignIn(browser, "pat", "pat-password");
    const first = await database.webSession.findFirst({ where: { userId: "@pat:test.local" }, orderBy: { createdAt: "desc" } });
    await database.webSession.update({ where: { id: first!.id }, data: { authenticatedAt: new Date(Date.now() - 3_600_000) } });
    const oldSecret = browser.cookies.get("web_session");

    // Signed in, but asked to sign in again: the page is shown, naming who is signed in.
    const page = await browser.get(`${base}/sign-in?next=/account&reauth=1`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Confirm it&#x27;s you");
    expect(html).toContain("@pat:test.local");

    await passwordSignIn(browser, "pat", "pat-password", { reauth: "1", next: "/account" });
    const after = await database.webSession.findUnique({ where: { id: first!.id } });
    expect(after!.authenticatedAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(browser.cookies.get("web_session")).not.toBe(oldSecret);
    expect(await (await fetch(`${base}/sign-in`, { headers: { Cookie: `web_session=${oldSecret}` }, redirect: "manual" })).status).toBe(200);

    await createUserDirectly(fixture.server.databaseUrl, { localpart: "quinn", password: "quinn-password" });
    await passwordSignIn(browser, "quinn", "quinn-password", { reauth: "1" });
    expect(await database.webSession.findUnique({ where: { id: first!.id } })).toBeNull();
  });

  it("create=1 leads to registration through an IdP's first sign-in, and says so", async () => {
    const html = await (await fetch(`${base}/sign-in?create=1&next=/account`)).text();
    expect(html).toContain("Create an account");
    expect(html).toContain("Your account is created the first time you sign in with one of these providers");
    expect(html).toContain("Continue with Social Login");
  });
});

describe("the sign-in page's limits", () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({
      config: { rc_login: { address: { per_second: 1000, burst_count: 1000 }, account: { per_second: 1000, burst_count: 1000 }, failed_attempts: { per_second: 0.001, burst_count: 2 } } },
    });
    await createUserDirectly(server.databaseUrl, { localpart: "rita", password: "rita-password" });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("answers repeated wrong passwords with rc_login's limit, in words", async () => {
    const post = () => ownPost(`${server.baseUrl}/sign-in`, new Map(), form({ username: "rita", password: "wrong" }));
    expect((await post()).status).toBe(401);
    expect((await post()).status).toBe(401);
    const limited = await post();
    expect(limited.status).toBe(429);
    expect(await limited.text()).toMatch(/Too many sign-in attempts\. Wait \d+ seconds? and try again\./);
  });

  it("offers no password form when password login is off", async () => {
    const off = await startServer({ config: { password_config: { enabled: false } } });
    try {
      const html = await (await fetch(`${off.baseUrl}/sign-in`)).text();
      expect(html).not.toContain('name="password"');
      expect(html).toContain("This server offers no way to sign in here");
      const refused = await ownPost(`${off.baseUrl}/sign-in`, new Map(), form({ username: "rita", password: "rita-password" }));
      expect(refused.status).toBe(403);
    } finally {
      await off.stop();
    }
  });
});

describe("password_config.enabled: only_for_reauth", () => {
  let reauth: SsoFixture;

  beforeAll(async () => {
    reauth = await startSsoFixture({ config: { password_config: { enabled: "only_for_reauth" } } });
  });

  afterAll(async () => {
    await reauth?.stop();
  });

  it("offers the password form only to a signed-in person confirming it's them, for their own account", async () => {
    const at = reauth.server.baseUrl;
    const browser = new CookieClient();
    const { callback } = await ssoSignIn(browser, "oidc-corp", "alice", "alice-pw", {}, at);
    expect((await browser.get(callback.headers.get("location")!)).status).toBe(303);
    const database = useDatabase(reauth.server.databaseUrl);
    await database.user.update({ where: { userId: "@alice:test.local" }, data: { passwordHash: await hashPassword("alice-password", { pepper: "", rounds: 4 }) } });
    await database.webSession.updateMany({ where: { userId: "@alice:test.local" }, data: { authenticatedAt: new Date(0) } });

    // No password sign-in for anyone…
    expect(await (await fetch(`${at}/sign-in`)).text()).not.toContain('name="password"');
    const refused = await ownPost(`${at}/sign-in`, new Map(), form({ username: "alice", password: "alice-password" }));
    expect(refused.status).toBe(403);
    // …but the signed-in person confirms with it.
    expect(await (await browser.get(`${at}/sign-in?reauth=1`)).text()).toContain('name="password"');
    const wrong = await ownPost(`${at}/sign-in`, browser.cookies, form({ username: "alice", password: "nope", reauth: "1" }));
    expect(wrong.status).toBe(401);
    const confirmed = await ownPost(`${at}/sign-in`, browser.cookies, form({ username: "someone-else", password: "alice-password", reauth: "1", next: "/account" }));
    expect(confirmed.status).toBe(303);
    const session = await database.webSession.findFirstOrThrow({ where: { userId: "@alice:test.local" } });
    expect(session.authenticatedAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(session.method).toBe("password");
  });
});
