// Logging in to a Matrix client by OAuth 2.0 (issue 18) in Chromium: matrix-js-sdk's current major
// version does what a client does (discover, register, build the authorization URL, exchange the
// code, refresh, revoke), and the browser goes through the real pages — our sign-in page with the
// password form and each IdP (an OIDC IdP that names the account, one whose new users pick their
// name on the username picker), then the consent page — at desktop width and at 390 px, and
// without JavaScript. The client's redirect URI is a loopback page, as a native client's.
import { expect, test, type Page } from "@playwright/test";
import { createClient, type ValidatedAuthMetadata } from "matrix-js-sdk-current";
import { oauthBrowserClient } from "../test-support/oauth-browser";
import { startSsoFixture, type SsoFixture } from "../test-support/sso-fixture";
import { createUserDirectly, disconnectAll } from "../test-support/users";

let fixture: SsoFixture;
let base: string;
let metadata: ValidatedAuthMetadata;
let redirectUri: string;

test.beforeAll(async () => {
  fixture = await startSsoFixture();
  base = fixture.server.baseUrl;
  redirectUri = `${new URL(fixture.clientUrl).origin}/callback`;
  await createUserDirectly(fixture.server.databaseUrl, { localpart: "bob", password: "bob-password" });
  metadata = await createClient({ baseUrl: base }).getAuthMetadata();
});

test.afterAll(async () => {
  await fixture?.stop();
  await disconnectAll();
});

const { startLogin, finishLogin, allowOnConsentPage } = oauthBrowserClient(() => ({ base, metadata, redirectUri }));

async function signInAtIdp(page: Page, username: string, password: string) {
  await page.waitForURL((url) => !url.href.startsWith(base));
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

const VIEWPORTS = [
  { name: "desktop", viewport: { width: 1280, height: 800 }, social: 4 },
  { name: "phone", viewport: { width: 390, height: 844 }, social: 5 },
] as const;

for (const { name, viewport, social } of VIEWPORTS) {
  test.describe(`at ${name} width`, () => {
    test.use({ viewport });

    test("a password user logs in through the sign-in and consent pages; refresh and revocation work for the client", async ({ page }) => {
      const login = await startLogin(`Password App ${name}`);
      await page.goto(login.url);
      await expect(page.getByRole("heading", { name: "Sign in", level: 1 })).toBeVisible();
      await page.getByLabel("Username", { exact: true }).fill("bob");
      await page.getByLabel("Password").fill("bob-password");
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await allowOnConsentPage(page, `Password App ${name}`, { check: true });
      const tokens = await finishLogin(page, login, "@bob:test.local");

      const refreshed = await login.oauth.performRefreshTokenGrant(tokens.refresh_token!);
      const client = createClient({ baseUrl: base, accessToken: refreshed.access_token });
      expect((await client.whoami()).device_id).toBe(login.deviceId);
      await login.oauth.revokeToken(refreshed.access_token, "access_token");
      await expect(client.whoami()).rejects.toMatchObject({ errcode: "M_UNKNOWN_TOKEN" });
    });

    test("a new person logs in with an IdP, picks a username, and consents", async ({ page }) => {
      const login = await startLogin(`IdP App ${name}`);
      await page.goto(login.url);
      await page.getByRole("link", { name: "Sign in with Social Login" }).click();
      await signInAtIdp(page, `friend${social}`, `social-pw-${social}`);
      await expect(page.getByRole("heading", { name: "Choose your user name" })).toBeVisible();
      await page.getByLabel("Username").fill(`oauth.${name}`);
      await page.getByRole("button", { name: "Continue" }).click();
      await allowOnConsentPage(page, `IdP App ${name}`);
      await finishLogin(page, login, `@oauth.${name}:test.local`);
    });
  });
}

test("an OIDC IdP that names the account: consent is remembered for the next login of the same client", async ({ page }) => {
  const first = await startLogin("Corp App");
  await page.goto(first.url);
  await page.getByRole("link", { name: "Sign in with Corp SSO" }).click();
  await signInAtIdp(page, "alice", "alice-pw");
  await allowOnConsentPage(page, "Corp App");
  await finishLogin(page, first, "@alice:test.local");

  // The same client (an identical registration is the same client) logs in on another device.
  const second = await startLogin("Corp App");
  await page.goto(second.url);
  await finishLogin(page, second, "@alice:test.local");
});

test("Cancel on the consent page sends access_denied back to the client", async ({ page }) => {
  const login = await startLogin("Cancelled App");
  await page.goto(login.url);
  await page.getByLabel("Username", { exact: true }).fill("bob");
  await page.getByLabel("Password").fill("bob-password");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("button", { name: "Cancel" }).click();
  await page.waitForURL((url) => url.href.startsWith(redirectUri));
  expect(new URL(page.url()).searchParams.get("error")).toBe("access_denied");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the whole login works with the keyboard alone", async ({ page }) => {
    const login = await startLogin("Keyboard App");
    await page.goto(login.url);
    await page.getByLabel("Username", { exact: true }).focus();
    await page.keyboard.type("bob");
    await page.keyboard.press("Tab");
    await page.keyboard.type("bob-password");
    await page.keyboard.press("Enter");
    await expect(page.getByRole("heading", { name: "Allow Keyboard App to use your account?" })).toBeVisible();
    await page.getByRole("button", { name: "Allow" }).focus();
    await page.keyboard.press("Enter");
    await finishLogin(page, login, "@bob:test.local");
  });

  test("prompt=create leads to creating an account", async ({ page }) => {
    const login = await startLogin("Sign-up App", { prompt: "create" });
    await page.goto(login.url);
    await expect(page.getByRole("heading", { name: "Create an account", level: 1 })).toBeVisible();
  });
});
