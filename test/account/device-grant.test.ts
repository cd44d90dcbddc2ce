// The device authorization grant (RFC 8628, issue 19 points 5-6) over HTTP against the built server,
// driven by openid-client's device authorization helpers as the TV: the metadata advertises it,
// the user code is short and unambiguous, polling answers authorization_pending and slow_down until
// the person acts, a signed-in person sees which app asks and from where and allows it (the device
// gets tokens for the device it asked for) or denies it (access_denied), and an expired code
// answers expired_token.
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieClient } from "../../test-support/cookie-client";
import { DEVICE_GRANT, deviceScope, pollDeviceCode, registerDeviceClient } from "../../test-support/device-grant";
import { startServer, type RunningServer } from "../../test-support/server";
import { createUserDirectly, disconnectAll, useDatabase } from "../../test-support/users";

let server: RunningServer;
let base: string;
let clientId: string;
let config: oidc.Configuration;

beforeAll(async () => {
  server = await startServer({ config: { oauth_server: { rc_client_registration: { per_second: 100, burst_count: 1000 } } } });
  base = server.baseUrl;
  ({ clientId, config } = await registerDeviceClient(base));
  // After the first requests: a pause here (creating the user) lets the readiness probe's idle
  // keep-alive socket go stale, and the next fetch would reuse it as the server closes it.
  await createUserDirectly(server.databaseUrl, { localpart: "tv.owner", password: "tv-password" });
});

afterAll(async () => {
  await server?.stop();
  await disconnectAll();
});

/** A browser signed in through the sign-in page's password form. */
async function signedInBrowser(): Promise<CookieClient> {
  const browser = new CookieClient();
  const response = await fetch(`${base}/sign-in`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin" },
    body: new URLSearchParams({ username: "tv.owner", password: "tv-password" }).toString(),
  });
  expect(response.status).toBe(303);
  const [pair] = response.headers.getSetCookie().find((cookie) => cookie.startsWith("web_session="))!.split(";");
  browser.cookies.set(pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1));
  return browser;
}

const poll = (deviceCode: string) => pollDeviceCode(base, clientId, deviceCode);

const field = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
const actionOf = (html: string) => /<form[^>]*action="([^"]+)"/.exec(html)![1].replace(/&amp;/g, "&");

/** The person types the code at verification_uri and gets the confirmation page. */
async function enterCode(browser: CookieClient, verificationUri: string, userCode: string) {
  const input = await browser.get(verificationUri);
  expect(input.status).toBe(200);
  const html = await input.text();
  expect(html).toContain("Enter the code your device shows");
  const confirm = await browser.postForm(new URL(actionOf(html), base).href, { xsrf: field(html, "xsrf")!, user_code: userCode.toLowerCase().replace("-", " ") });
  expect(confirm.status).toBe(200);
  return confirm.text();
}

/** Continue on the confirmation page, then through the interaction to the consent page and Allow. */
async function approve(browser: CookieClient, confirmHtml: string) {
  let response = await browser.postForm(new URL(actionOf(confirmHtml), base).href, {
    xsrf: field(confirmHtml, "xsrf")!,
    user_code: field(confirmHtml, "user_code")!,
    confirm: "yes",
  });
  for (let hop = 0; hop < 10; hop++) {
    if (response.status === 302 || response.status === 303) {
      response = await browser.get(new URL(response.headers.get("location")!, base).href);
      continue;
    }
    const html = await response.text();
    if (html.includes("full access to your account on this device")) {
      response = await browser.postForm(new URL(actionOf(html), base).href, { decision: "allow" });
      continue;
    }
    return { status: response.status, html };
  }
  throw new Error("too many hops");
}

describe("the device authorization grant", () => {
  it("is advertised in both metadata documents", async () => {
    const matrix = (await (await fetch(`${base}/_matrix/client/v1/auth_metadata`)).json()) as Record<string, unknown>;
    expect(matrix.device_authorization_endpoint).toBe(`${base}/oauth2/device/auth`);
    expect(matrix.grant_types_supported).toContain(DEVICE_GRANT);
    expect(config.serverMetadata().device_authorization_endpoint).toBe(`${base}/oauth2/device/auth`);
  });

  it("signs the TV in with the device it asked for once the person allows it, after pending and slow_down answers", async () => {
    const deviceId = "TVDEVICE01";
    const started = await oidc.initiateDeviceAuthorization(config, { scope: deviceScope(deviceId) });
    expect(started.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(started.verification_uri).toBe(`${base}/oauth2/device`);
    expect(started.verification_uri_complete).toBe(`${base}/oauth2/device?user_code=${started.user_code}`);
    expect(started.expires_in).toBeGreaterThanOrEqual(600);
    expect(started.expires_in).toBeLessThanOrEqual(1200);
    expect(started.interval ?? 5).toBe(5);

    expect(await poll(started.device_code)).toMatchObject({ status: 400, json: { error: "authorization_pending" } });
    expect(await poll(started.device_code)).toMatchObject({ status: 400, json: { error: "slow_down" } });

    const browser = await signedInBrowser();
    const confirm = await enterCode(browser, started.verification_uri, started.user_code);
    expect(confirm).toContain("Living Room TV");
    expect(confirm).toContain("tv.example");
    expect(confirm).toContain(started.user_code);
    expect(confirm).toContain("The request came from the address");
    const done = await approve(browser, confirm);
    expect(done.html).toContain("Device connected");

    const tokens = await oidc.pollDeviceAuthorizationGrant(config, started).catch((error) => {
      throw new Error(`the poll failed: ${JSON.stringify((error as { cause?: unknown }).cause ?? error)}`);
    });
    expect(tokens.access_token).toBeTruthy();
    const whoami = await fetch(`${base}/_matrix/client/v3/account/whoami`, { headers: { Authorization: `Bearer ${tokens.access_token}` } });
    expect(await whoami.json()).toMatchObject({ user_id: "@tv.owner:test.local", device_id: deviceId });
    // The TV is a session on the account page like any other; signing it out there ends it, refresh token included.
    const account = await (await browser.get(`${base}/account`)).text();
    expect(account).toContain("Living Room TV");
    const csrf = field(account, "csrf")!;
    const signOut = await browser.postForm(`${base}/account`, { csrf, op: "sign_out_device", device_id: deviceId });
    expect(signOut.headers.get("location")).toContain("notice=signed_out");
    expect((await fetch(`${base}/_matrix/client/v3/account/whoami`, { headers: { Authorization: `Bearer ${tokens.access_token}` } })).status).toBe(401);
    expect(tokens.refresh_token).toBeTruthy();
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
    // The device code is spent.
    expect((await poll(started.device_code)).json.error).toBe("invalid_grant");
  }, 60_000);

  it("answers access_denied when the person denies (from verification_uri_complete), and refuses a wrong code in words", async () => {
    const started = await oidc.initiateDeviceAuthorization(config, { scope: deviceScope("TVDEVICE02") });
    const browser = await signedInBrowser();

    const input = await browser.get(started.verification_uri);
    const inputHtml = await input.text();
    const wrong = await browser.postForm(new URL(actionOf(inputHtml), base).href, { xsrf: field(inputHtml, "xsrf")!, user_code: "BCDF-GHJK" });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("That code is not right");

    // verification_uri_complete carries the code: the page posts it on (a script, or a button without one).
    const complete = await browser.get(started.verification_uri_complete!);
    const completeHtml = await complete.text();
    expect(field(completeHtml, "user_code")).toBe(started.user_code);
    const confirmResponse = await browser.postForm(new URL(actionOf(completeHtml), base).href, { xsrf: field(completeHtml, "xsrf")!, user_code: started.user_code });
    const confirm = await confirmResponse.text();
    expect(confirm).toContain("Living Room TV");
    const denied = await browser.postForm(new URL(actionOf(confirm), base).href, { xsrf: field(confirm, "xsrf")!, user_code: field(confirm, "user_code")!, abort: "yes" });
    expect(await denied.text()).toContain("You denied the request");
    expect(await poll(started.device_code)).toMatchObject({ status: 400, json: { error: "access_denied" } });
  });

  it("answers expired_token once the code has expired", async () => {
    const started = await oidc.initiateDeviceAuthorization(config, { scope: deviceScope("TVDEVICE03") });
    const database = useDatabase(server.databaseUrl);
    const row = await database.oAuthObject.findFirstOrThrow({ where: { model: "DeviceCode", userCode: { not: null } }, orderBy: { createdAt: "desc" } });
    const payload = JSON.parse(row.payload) as Record<string, unknown>;
    await database.oAuthObject.update({ where: { key: row.key }, data: { payload: JSON.stringify({ ...payload, exp: Math.floor(Date.now() / 1000) - 1 }) } });
    expect(await poll(started.device_code)).toMatchObject({ status: 400, json: { error: "expired_token" } });
  });
});
