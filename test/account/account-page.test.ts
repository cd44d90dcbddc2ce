// The account page (/account, lib/account) over HTTP against the built server and real OpenID
// Providers: what a signed-in person sees, MSC4191's ?action= views, each change and who may make
// it (the form token, cross-site posts, recent re-authentication), linking and unlinking sign-in
// methods, and deactivation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectHardenedPage, forgedPost, ownPost } from "../../test-support/browser-requests";
import { CookieClient } from "../../test-support/cookie-client";
import { loginWithFetch } from "../../test-support/oidc-provider";
import { startSsoFixture, type SsoFixture } from "../../test-support/sso-fixture";
import { createUserDirectly, disconnectAll, useDatabase } from "../../test-support/users";

let fixture: SsoFixture;
let base: string;
let counter = 0;

beforeAll(async () => {
  fixture = await startSsoFixture();
  base = fixture.server.baseUrl;
});

afterAll(async () => {
  await fixture?.stop();
  await disconnectAll();
});

const database = () => useDatabase(fixture.server.databaseUrl);

function keepCookies(browser: CookieClient, response: Response): Response {
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(";");
    const index = pair.indexOf("=");
    if (/max-age=0/i.test(header)) browser.cookies.delete(pair.slice(0, index));
    else browser.cookies.set(pair.slice(0, index), pair.slice(index + 1));
  }
  return response;
}

async function post(browser: CookieClient, path: string, fields: Record<string, string>): Promise<Response> {
  return keepCookies(browser, await ownPost(`${base}${path}`, browser.cookies, new URLSearchParams(fields).toString()));
}

/** A new password user, signed in to the account page in a fresh browser. */
async function signedInUser(options: { devices?: string[] } = {}) {
  const localpart = `person${++counter}`;
  const userId = await createUserDirectly(fixture.server.databaseUrl, { localpart, password: `${localpart}-pw` });
  const tokens: Record<string, string> = {};
  for (const name of options.devices ?? []) {
    const login = await fetch(`${base}/_matrix/client/v3/login`, {
      method: "POST",
      body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: localpart }, password: `${localpart}-pw`, initial_device_display_name: name }),
    });
    const body = await login.json();
    tokens[name] = body.access_token;
    tokens[`${name}:device`] = body.device_id;
  }
  const browser = new CookieClient();
  const signIn = await post(browser, "/sign-in", { username: localpart, password: `${localpart}-pw` });
  expect(signIn.status).toBe(303);
  return { localpart, userId, browser, tokens };
}

async function page(browser: CookieClient, path = "/account") {
  const response = await browser.get(`${base}${path}`);
  const html = await response.text();
  return { response, html, csrf: /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? "" };
}

const whoami = (token: string) => fetch(`${base}/_matrix/client/v3/account/whoami`, { headers: { Authorization: `Bearer ${token}` } });

async function ageSession(userId: string) {
  await database().webSession.updateMany({ where: { userId }, data: { authenticatedAt: new Date(Date.now() - 3_600_000) } });
}

describe("the account page", () => {
  it("sends a browser that is not signed in to the sign-in page, and back to the same view after", async () => {
    const response = await fetch(`${base}/account?action=org.matrix.devices_list`, { redirect: "manual" });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe(`/sign-in?${new URLSearchParams({ next: "/account?action=org.matrix.devices_list" })}`);
  });

  it("shows the Matrix ID, display name, every session and the sign-in methods, hardened like the other pages", async () => {
    const { browser, userId } = await signedInUser({ devices: ["Work laptop", "Phone"] });
    const { response, html } = await page(browser);
    expect(response.status).toBe(200);
    await expectHardenedPage(new Response(html, { headers: response.headers }));
    expect(html).toContain(userId);
    expect(html).toContain("Work laptop");
    expect(html).toContain("Phone");
    expect(html).toContain("127.0.0.1");
    expect(html).toContain("Sign out everywhere else");
    expect(html).toContain("You can sign in with your password.");
    expect(html).toContain("Link Corp SSO");
    expect(html).toContain("Deactivate account");
  });

  it("opens the view each MSC4191 action (and MAS's older value) names; unknown actions land on the overview", async () => {
    const { browser, tokens } = await signedInUser({ devices: ["Tablet"] });
    const device = tokens["Tablet:device"];
    const cases: [string, string, string | null][] = [
      ["org.matrix.profile", "Save display name", "Sign out everywhere else"],
      ["profile", "Save display name", "Sign out everywhere else"],
      ["org.matrix.devices_list", "Sign out everywhere else", "Save display name"],
      ["sessions_list", "Sign out everywhere else", "Save display name"],
      ["org.matrix.sessions_list", "Sign out everywhere else", "Save display name"],
      [`org.matrix.device_view&device_id=${device}`, "Sign out this session", "Sign out everywhere else"],
      [`session_view&device_id=${device}`, "Sign out this session", "Sign out everywhere else"],
      [`org.matrix.session_view&device_id=${device}`, "Sign out this session", "Sign out everywhere else"],
      [`org.matrix.device_delete&device_id=${device}`, "Sign out Tablet?", "Save display name"],
      [`session_end&device_id=${device}`, "Sign out Tablet?", "Save display name"],
      [`org.matrix.session_end&device_id=${device}`, "Sign out Tablet?", "Save display name"],
      ["org.matrix.account_deactivate", "Deactivate your account?", "Save display name"],
      ["org.matrix.cross_signing_reset", "Sign out everywhere else", null],
      ["nonsense", "Save display name", null],
    ];
    for (const [action, present, absent] of cases) {
      const { response, html } = await page(browser, `/account?action=${action}`);
      expect(response.status, action).toBe(200);
      expect(html, action).toContain(present);
      if (absent) expect(html, action).not.toContain(absent);
    }
    const missing = await page(browser, "/account?action=org.matrix.device_view&device_id=NOPE");
    expect(missing.html).toContain("Session not found");
  });

  it("saves the display name", async () => {
    const { browser, userId } = await signedInUser();
    const { csrf } = await page(browser);
    const saved = await post(browser, "/account", { csrf, op: "set_display_name", display_name: "  Ada Lovelace " });
    expect(saved.status).toBe(303);
    expect((await database().user.findUnique({ where: { userId } }))?.displayName).toBe("Ada Lovelace");
    const { html } = await page(browser, saved.headers.get("location")!);
    expect(html).toContain("Your display name was saved.");
    expect(html).toContain('value="Ada Lovelace"');
    const tooLong = await post(browser, "/account", { csrf, op: "set_display_name", display_name: "x".repeat(300) });
    expect(tooLong.headers.get("location")).toContain("notice=display_name_too_long");
    expect((await database().user.findUnique({ where: { userId } }))?.displayName).toBe("Ada Lovelace");
  });

  it("signs one session out (its token stops working), and everywhere else (other browser sessions too) but not this browser", async () => {
    const { browser, localpart, tokens } = await signedInUser({ devices: ["A", "B", "C"] });
    const other = new CookieClient();
    await post(other, "/sign-in", { username: localpart, password: `${localpart}-pw` });
    const { csrf } = await page(browser);

    const one = await post(browser, "/account", { csrf, op: "sign_out_device", device_id: tokens["A:device"] });
    expect(one.headers.get("location")).toBe("/account?action=org.matrix.devices_list&notice=signed_out");
    expect((await whoami(tokens.A)).status).toBe(401);
    expect((await whoami(tokens.B)).status).toBe(200);

    const all = await post(browser, "/account", { csrf, op: "sign_out_others" });
    expect(all.headers.get("location")).toContain("notice=signed_out_others");
    expect((await whoami(tokens.B)).status).toBe(401);
    expect((await whoami(tokens.C)).status).toBe(401);
    expect((await page(other)).response.status).toBe(303);
    expect((await page(browser)).response.status).toBe(200);
  });

  it("asks for a fresh sign-in before a sensitive action, and changes nothing until then", async () => {
    const { browser, userId, localpart, tokens } = await signedInUser({ devices: ["Old phone"] });
    const { csrf } = await page(browser);
    await ageSession(userId);
    const asked = await post(browser, "/account", { csrf, op: "sign_out_device", device_id: tokens["Old phone:device"] });
    expect(asked.status).toBe(303);
    const next = `/account?action=org.matrix.device_delete&device_id=${tokens["Old phone:device"]}`;
    expect(asked.headers.get("location")).toBe(`/sign-in?${new URLSearchParams({ next, reauth: "1" })}`);
    expect((await whoami(tokens["Old phone"])).status).toBe(200);
    for (const op of ["sign_out_others", "deactivate"]) {
      const refused = await post(browser, "/account", { csrf, op, confirm: "yes" });
      expect(refused.headers.get("location"), op).toContain("reauth=1");
    }
    expect((await database().user.findUnique({ where: { userId } }))?.deactivated).toBe(false);

    // Confirming brings the person back to the confirmation view, where the button now works.
    const confirmed = await post(browser, "/sign-in", { username: localpart, password: `${localpart}-pw`, reauth: "1", next });
    expect(confirmed.headers.get("location")).toBe(next);
    const view = await page(browser, next);
    expect(view.html).toContain("Sign out Old phone?");
    await post(browser, "/account", { csrf: view.csrf, op: "sign_out_device", device_id: tokens["Old phone:device"] });
    expect((await whoami(tokens["Old phone"])).status).toBe(401);
  });

  it("refuses a form without this session's token, and a cross-site post, changing nothing", async () => {
    const { browser, userId } = await signedInUser();
    const noToken = await post(browser, "/account", { op: "set_display_name", display_name: "Forged" });
    expect(noToken.status).toBe(403);
    const otherSession = await signedInUser();
    const { csrf: foreignToken } = await page(otherSession.browser);
    expect((await post(browser, "/account", { csrf: foreignToken, op: "set_display_name", display_name: "Forged" })).status).toBe(403);
    const { csrf } = await page(browser);
    const crossSite = await forgedPost(`${base}/account`, browser.cookies, new URLSearchParams({ csrf, op: "set_display_name", display_name: "Forged" }).toString(), {
      origin: "https://evil.example",
      fetchSite: "cross-site",
    });
    expect(crossSite.status).toBe(403);
    expect((await database().user.findUnique({ where: { userId } }))?.displayName).toBeNull();
  });

  it("lists the OAuth apps the person allowed, and forgets one so that it asks again", async () => {
    const { browser, userId } = await signedInUser();
    await database().oAuthConsent.create({ data: { userId, clientId: "app-client-1" } });
    const { html, csrf } = await page(browser);
    expect(html).toContain("Apps you allowed");
    expect(html).toContain("app-client-1");
    const forgotten = await post(browser, "/account", { csrf, op: "forget_app", client_id: "app-client-1" });
    expect(forgotten.headers.get("location")).toBe("/account?notice=app_forgotten");
    expect(await database().oAuthConsent.count({ where: { userId } })).toBe(0);
    expect((await page(browser)).html).not.toContain("Apps you allowed");
  });

  it("deactivates only after the confirmation box, then signs the browser out and refuses sign-in", async () => {
    const { browser, userId, localpart, tokens } = await signedInUser({ devices: ["Desk"] });
    const { csrf } = await page(browser, "/account?action=org.matrix.account_deactivate");
    const unticked = await post(browser, "/account", { csrf, op: "deactivate" });
    expect(unticked.headers.get("location")).toContain("notice=not_confirmed");
    expect((await database().user.findUnique({ where: { userId } }))?.deactivated).toBe(false);

    const done = await post(browser, "/account", { csrf, op: "deactivate", confirm: "yes" });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("Your account has been deactivated");
    expect(browser.cookies.has("web_session")).toBe(false);
    expect((await database().user.findUnique({ where: { userId } }))?.deactivated).toBe(true);
    expect((await whoami(tokens.Desk)).status).toBe(401);
    expect(await database().webSession.count({ where: { userId } })).toBe(0);
    const again = await post(new CookieClient(), "/sign-in", { username: localpart, password: `${localpart}-pw` });
    expect(again.status).not.toBe(303);
  });
});

describe("linked sign-in methods", () => {
  /** "Link <IdP>" on the account page, through the real OP; returns where the page ends. */
  async function link(browser: CookieClient, idp: string, username: string, password: string) {
    const { csrf } = await page(browser);
    const start = await post(browser, "/account", { csrf, op: "link", idp });
    // A page that continues by itself to our SSO redirect (a redirect from the POST could not leave the site).
    expect(start.status).toBe(200);
    const refresh = /^0; url=(.*)$/.exec(start.headers.get("refresh") ?? "")![1];
    expect(refresh.startsWith(`/_matrix/client/v3/login/sso/redirect/${idp}?`)).toBe(true);
    const redirect = await browser.get(new URL(refresh, base).href);
    expect(redirect.status).toBe(302);
    const callback = await browser.get(await loginWithFetch(redirect.headers.get("location")!, username, password));
    expect(callback.status).toBe(303);
    expect(new URL(callback.headers.get("location")!).pathname).toBe("/account/link");
    const end = await browser.get(callback.headers.get("location")!);
    expect(end.status).toBe(303);
    return end.headers.get("location")!;
  }

  /** An SSO-only account: alice, created by her first corp login. */
  async function ssoOnlyAlice() {
    const browser = new CookieClient();
    const start = await browser.get(`${base}/sign-in/start?idp=oidc-corp`);
    const redirect = await browser.get(new URL(start.headers.get("location")!, base).href);
    const callback = await browser.get(await loginWithFetch(redirect.headers.get("location")!, "alice", "alice-pw"));
    await browser.get(callback.headers.get("location")!);
    return browser;
  }

  it("links an IdP account to a password account, shows it, and unlinks it", async () => {
    const { browser, userId } = await signedInUser();
    const end = await link(browser, "oidc-social", "friend0", "social-pw-0");
    expect(end).toBe("/account?notice=linked");
    expect(await database().userExternalId.findMany({ where: { userId }, select: { authProvider: true, externalId: true } })).toEqual([
      { authProvider: "oidc-social", externalId: "social-0" },
    ]);
    const { html, csrf } = await page(browser, end);
    expect(html).toContain("Social Login");
    expect(html).toContain("social-0");
    // No account was made for friend0, and the link signs this user in.
    expect(await database().user.count({ where: { userId: { contains: "friend0" } } })).toBe(0);

    const unlinked = await post(browser, "/account", { csrf, op: "unlink", idp: "oidc-social", external_id: "social-0" });
    expect(unlinked.headers.get("location")).toBe("/account?notice=unlinked");
    expect(await database().userExternalId.count({ where: { userId } })).toBe(0);
  });

  it("refuses, in plain words, an IdP account that belongs to another user", async () => {
    await ssoOnlyAlice();
    const { browser, userId } = await signedInUser();
    const end = await link(browser, "oidc-corp", "alice", "alice-pw");
    expect(end).toBe("/account?notice=link_taken");
    expect((await page(browser, end)).html).toContain("already belongs to another user of this server");
    expect(await database().userExternalId.count({ where: { userId } })).toBe(0);
    expect(await database().userExternalId.count({ where: { authProvider: "oidc-corp", externalId: "corp-alice", userId: "@alice:test.local" } })).toBe(1);
  });

  it("refuses to unlink the last way to sign in (no password, one link), allows it once another is linked", async () => {
    const browser = await ssoOnlyAlice();
    const { html, csrf } = await page(browser);
    expect(html).not.toContain("You can sign in with your password.");
    const refused = await post(browser, "/account", { csrf, op: "unlink", idp: "oidc-corp", external_id: "corp-alice" });
    expect(refused.headers.get("location")).toBe("/account?notice=last_method");
    expect((await page(browser, refused.headers.get("location")!)).html).toContain("only way left to sign in");
    expect(await database().userExternalId.count({ where: { userId: "@alice:test.local" } })).toBe(1);

    await link(browser, "oidc-social", "friend1", "social-pw-1");
    const allowed = await post(browser, "/account", { csrf, op: "unlink", idp: "oidc-corp", external_id: "corp-alice" });
    expect(allowed.headers.get("location")).toBe("/account?notice=unlinked");
    // Relink corp for the other tests, through the page.
    expect(await link(browser, "oidc-corp", "alice", "alice-pw")).toBe("/account?notice=linked");
  });

  it("does not hand a link attempt's identity to another browser session", async () => {
    const { browser } = await signedInUser();
    const { csrf } = await page(browser);
    const start = await post(browser, "/account", { csrf, op: "link", idp: "oidc-social" });
    const refresh = /^0; url=(.*)$/.exec(start.headers.get("refresh") ?? "")![1];
    const redirect = await browser.get(new URL(refresh, base).href);
    const callback = await browser.get(await loginWithFetch(redirect.headers.get("location")!, "friend2", "social-pw-2"));
    const returnUrl = callback.headers.get("location")!;
    const intruder = await signedInUser();
    const stolen = await intruder.browser.get(returnUrl);
    expect(stolen.headers.get("location")).toBe("/account?notice=link_failed");
    expect(await database().userExternalId.count({ where: { externalId: "social-2" } })).toBe(0);
    // The failed collection ended the attempt: its owner starts again rather than collect later.
    expect((await browser.get(returnUrl)).headers.get("location")).toBe("/account?notice=link_failed");
    expect(await database().userExternalId.count({ where: { externalId: "social-2" } })).toBe(0);
  });

  it("links nothing when another browser does the IdP round trip of someone's attempt (link CSRF)", async () => {
    const attacker = await signedInUser();
    /** The attacker presses Link: the SSO redirect URL to send the victim, and the attempt's return. */
    async function attackersAttempt() {
      const { csrf } = await page(attacker.browser);
      const start = await post(attacker.browser, "/account", { csrf, op: "link", idp: "oidc-social" });
      const ssoRedirect = new URL(/^0; url=(.*)$/.exec(start.headers.get("refresh") ?? "")![1], base);
      return { ssoRedirect: ssoRedirect.href, returnUrl: ssoRedirect.searchParams.get("redirectUrl")! };
    }
    // The victim, signed in at the IdP (and here, then not), opens it.
    for (const victim of [(await signedInUser()).browser, new CookieClient()]) {
      const { ssoRedirect, returnUrl } = await attackersAttempt();
      const redirect = await victim.get(ssoRedirect);
      const callback = await victim.get(await loginWithFetch(redirect.headers.get("location")!, "friend3", "social-pw-3"));
      expect(callback.headers.get("location")).toBe(returnUrl);
      expect((await victim.get(returnUrl)).headers.get("location")).toMatch(/^\/account\?notice=link_failed$|^\/sign-in\?/);
      // The attacker's own browser collects the attempt: the victim's identity is not theirs.
      expect((await attacker.browser.get(returnUrl)).headers.get("location")).toBe("/account?notice=link_failed");
      expect(await database().userExternalId.count({ where: { externalId: "social-3" } })).toBe(0);
    }
  });
});
