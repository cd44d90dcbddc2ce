// Signing a TV in with the device authorization grant (RFC 8628, issue 19 points 5-6) in Chromium at
// 390 px: openid-client plays the TV, the person opens the verification page on their phone, types
// the code, sees which app asks and from where, signs in with an IdP (the real OpenID Provider)
// through the sign-in page, allows the app, and the TV's polling gets tokens for its device.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import * as oidc from "openid-client";
import { deviceScope, registerDeviceClient } from "../test-support/device-grant";
import { startSsoFixture, type SsoFixture } from "../test-support/sso-fixture";
import { createUserDirectly, disconnectAll } from "../test-support/users";

let fixture: SsoFixture;
let base: string;
let config: oidc.Configuration;

test.beforeAll(async () => {
  fixture = await startSsoFixture();
  base = fixture.server.baseUrl;
  ({ config } = await registerDeviceClient(base));
});

test.afterAll(async () => {
  await fixture?.stop();
  await disconnectAll();
});

test.use({ viewport: { width: 390, height: 844 } });

async function expectFitsAndAccessible(page: Page) {
  const widths = await page.evaluate(() => ({ content: document.documentElement.scrollWidth, viewport: window.innerWidth }));
  expect(widths.content).toBeLessThanOrEqual(widths.viewport);
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical");
  expect(serious.map((violation) => violation.id)).toEqual([]);
}

test("a person signs a TV in: code, which app and from where, IdP sign-in, Allow; the TV gets its device, which an admin revokes", async ({ page }) => {
  const started = await oidc.initiateDeviceAuthorization(config, { scope: deviceScope("LIVINGROOM") });

  await page.goto(started.verification_uri);
  await expect(page.getByRole("heading", { name: "Connect a device" })).toBeVisible();
  await expectFitsAndAccessible(page);
  await page.getByLabel("Code").fill(started.user_code);
  await page.getByRole("button", { name: "Continue" }).click();

  await expect(page.getByRole("heading", { name: "Sign in Living Room TV on another device?" })).toBeVisible();
  await expect(page.getByTestId("user-code")).toHaveText(started.user_code);
  await expect(page.getByTestId("device-origin")).toContainText("127.0.0.1");
  await expectFitsAndAccessible(page);
  await page.getByRole("button", { name: "Continue" }).click();

  // Not signed in yet: the sign-in page, with every method.
  await expect(page.getByRole("heading", { name: "Sign in", level: 1 })).toBeVisible();
  await page.getByRole("link", { name: "Sign in with Corp SSO" }).click();
  await page.waitForURL((url) => !url.href.startsWith(base));
  await page.getByLabel("Username").fill("alice");
  await page.getByLabel("Password").fill("alice-pw");
  await page.getByRole("button", { name: "Sign in" }).click();

  await expect(page.getByRole("heading", { name: "Allow Living Room TV to use your account?" })).toBeVisible();
  await page.getByRole("button", { name: "Allow" }).click();
  await expect(page.getByRole("heading", { name: "Device connected" })).toBeVisible();
  await expectFitsAndAccessible(page);

  const tokens = await oidc.pollDeviceAuthorizationGrant(config, started);
  const whoami = await fetch(`${base}/_matrix/client/v3/account/whoami`, { headers: { Authorization: `Bearer ${tokens.access_token}` } });
  expect(await whoami.json()).toMatchObject({ user_id: "@alice:test.local", device_id: "LIVINGROOM" });

  // The TV is a session like any other on the account page.
  await page.goto(`${base}/account?action=org.matrix.devices_list`);
  await expect(page.getByTestId("session").filter({ hasText: "Living Room TV" })).toHaveCount(1);

  // The admin console lists the client with this session, and revoking it signs the TV out.
  await createUserDirectly(fixture.server.databaseUrl, { localpart: "operator", password: "operator-password", admin: true });
  await page.goto(`${base}/admin`);
  await page.getByLabel("Username").fill("operator");
  await page.getByLabel("Password").fill("operator-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("link", { name: "OAuth clients" }).click();
  const client = page.getByTestId("oauth-client").filter({ hasText: "Living Room TV" });
  await expect(client).toContainText("https://tv.example/");
  await expect(client.getByTestId("oauth-session")).toContainText("@alice:test.local · device LIVINGROOM");
  await client.getByLabel("Revoke Living Room TV session of @alice:test.local LIVINGROOM…").click();
  await client.getByRole("button", { name: "Revoke session LIVINGROOM" }).click();
  await expect(client.getByTestId("oauth-session")).toHaveCount(0);
  const after = await fetch(`${base}/_matrix/client/v3/account/whoami`, { headers: { Authorization: `Bearer ${tokens.access_token}` } });
  expect(after.status).toBe(401);
  await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
});
