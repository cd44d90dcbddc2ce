// The SSO stage of user-interactive auth in a real browser against a real OpenID Provider: the
// right person completes it (and the opener is told "authDone"), someone else gets the bad-user
// page and the stage stays open, an expired session is refused, and a session authorises only its
// own request.
import { expect, test } from "@playwright/test";
import { CookieClient } from "../test-support/cookie-client";
import { loginWithFetch } from "../test-support/oidc-provider";
import { startSsoFixture, type SsoFixture } from "../test-support/sso-fixture";
import { disconnectAll, useDatabase } from "../test-support/users";

let fixture: SsoFixture;
let base: string;

test.beforeAll(async () => {
  fixture = await startSsoFixture();
  base = fixture.server.baseUrl;
});

test.afterAll(async () => {
  await fixture?.stop();
  await disconnectAll();
});

/** Logs alice in by SSO (no browser needed) and returns her access token and device. */
async function ssoSession(): Promise<{ access_token: string; device_id: string }> {
  const browser = new CookieClient();
  const start = await browser.get(`${base}/_matrix/client/v3/login/sso/redirect/oidc-corp?redirectUrl=${encodeURIComponent(fixture.trustedClientUrl)}`);
  const callback = await browser.get(await loginWithFetch(start.headers.get("location")!, "alice", "alice-pw"));
  const token = new URL(callback.headers.get("location")!).searchParams.get("loginToken");
  const response = await fetch(`${base}/_matrix/client/v3/login`, { method: "POST", body: JSON.stringify({ type: "m.login.token", token }) });
  return response.json();
}

const deleteDevice = (token: string, deviceId: string, auth?: unknown) =>
  fetch(`${base}/_matrix/client/v3/devices/${deviceId}`, {
    method: "DELETE",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify(auth === undefined ? {} : { auth }),
  });

const fallbackUrl = (session: string) => `${base}/_matrix/client/v3/auth/m.login.sso/fallback/web?session=${session}`;

test("the right person confirms by SSO, the opener hears authDone, and only that request is authorised", async ({ page }) => {
  const me = await ssoSession();
  const other = await ssoSession();
  const third = await ssoSession();
  const challenge = await (await deleteDevice(me.access_token, other.device_id)).json();
  expect(challenge.flows).toEqual([{ stages: ["m.login.sso"] }]);

  await page.goto(fixture.clientUrl);
  await page.evaluate((url) => {
    (window as unknown as { done: Promise<unknown> }).done = new Promise((resolve) => window.addEventListener("message", (event) => resolve(event.data)));
    window.open(url);
  }, fallbackUrl(challenge.session));
  const popup = await page.context().waitForEvent("page");
  await expect(popup.getByRole("heading", { name: "Confirm it's you to continue" })).toBeVisible();
  await expect(popup.getByText("remove a device from your account")).toBeVisible();
  await popup.getByRole("link", { name: /Continue with Corp SSO \(corp-alice\)/ }).click();
  await popup.getByLabel("Username").fill("alice");
  await popup.getByLabel("Password").fill("alice-pw");
  await popup.getByRole("button", { name: "Sign in" }).click();
  await expect(popup.getByRole("heading", { name: "Thank you" })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { done: Promise<unknown> }).done)).toBe("authDone");

  // The session was for deleting `other`; it cannot delete `third`.
  expect((await deleteDevice(me.access_token, third.device_id, { session: challenge.session })).status).toBe(403);
  expect((await deleteDevice(me.access_token, other.device_id, { session: challenge.session })).status).toBe(200);
});

test("someone else at the IdP gets the bad-user page and the stage stays incomplete; no account is made", async ({ page }) => {
  const me = await ssoSession();
  const other = await ssoSession();
  const challenge = await (await deleteDevice(me.access_token, other.device_id)).json();
  const usersBefore = await useDatabase(fixture.server.databaseUrl).user.count();

  await page.goto(fallbackUrl(challenge.session));
  await page.getByRole("link", { name: /Continue with Corp SSO/ }).click();
  await page.getByLabel("Username").fill("Carol.Smith");
  await page.getByLabel("Password").fill("carol-pw");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "That doesn't look right" })).toBeVisible();
  await expect(page.getByText("@alice:test.local")).toBeVisible();

  const attempt = await deleteDevice(me.access_token, other.device_id, { session: challenge.session });
  expect(attempt.status).toBe(401);
  expect((await attempt.json()).completed).toEqual([]);
  expect(await useDatabase(fixture.server.databaseUrl).user.count()).toBe(usersBefore);
});

test("an expired session is refused with a page that says so", async ({ page }) => {
  const me = await ssoSession();
  const other = await ssoSession();
  const challenge = await (await deleteDevice(me.access_token, other.device_id)).json();
  await useDatabase(fixture.server.databaseUrl).uiAuthSession.update({ where: { id: challenge.session }, data: { expiresAt: new Date(Date.now() - 1000) } });
  const response = await page.goto(fallbackUrl(challenge.session));
  expect(response?.status()).toBe(400);
  await expect(page.getByText("This confirmation request is unknown or has expired.")).toBeVisible();
});
