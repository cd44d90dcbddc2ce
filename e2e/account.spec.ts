// The account page and its sign-in page (issue 19) in Chromium against real OpenID Providers, at
// desktop width and at 390 px: a new person arrives at /account, signs in with an IdP through the
// username picker, renames themselves, links a second IdP and unlinks the first (the last one is
// refused); and without JavaScript, a password user signs a session out and deactivates after
// confirming it's them. Pages are checked with axe-core and for horizontal overflow.
import { expect, test, type Page } from "@playwright/test";
import { expectAccessible, expectNoHorizontalOverflow } from "../test-support/page-checks";
import { startSsoFixture, type SsoFixture } from "../test-support/sso-fixture";
import { createUserDirectly, disconnectAll, useDatabase } from "../test-support/users";

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

async function signInAtIdp(page: Page, username: string, password: string) {
  // Our sign-in page has a Username field too: wait until the browser is at the OP.
  await page.waitForURL((url) => !url.href.startsWith(base));
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

const VIEWPORTS = [
  { name: "desktop", viewport: { width: 1280, height: 800 }, social: 2, corp: { user: "taken", password: "taken-pw", sub: "corp-taken" } },
  { name: "phone", viewport: { width: 390, height: 844 }, social: 3, corp: { user: "12345", password: "digits-pw", sub: "corp-digits" } },
] as const;

for (const { name, viewport, social, corp } of VIEWPORTS) {
  test.describe(`at ${name} width`, () => {
    test.use({ viewport });

    test("a new person signs in to the account page with an IdP, renames themselves, links a second IdP and unlinks the first", async ({ page }) => {
      await page.goto(`${base}/account`);
      await expect(page).toHaveURL(`${base}/sign-in?next=%2Faccount`);
      await expect(page.getByRole("heading", { name: "Sign in", level: 1 })).toBeVisible();
      await expect(page.getByLabel("Password")).toBeVisible();
      await expectNoHorizontalOverflow(page);
      await expectAccessible(page);

      await page.getByRole("link", { name: "Sign in with Social Login" }).click();
      await signInAtIdp(page, `friend${social}`, `social-pw-${social}`);
      // A first sign-in: the ordinary username picker, then straight back to the account page.
      await expect(page.getByRole("heading", { name: "Choose your user name" })).toBeVisible();
      await page.getByLabel("Username").fill(`acct.${name}`);
      await page.getByRole("button", { name: "Continue" }).click();
      await expect(page).toHaveURL(`${base}/account`);
      await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
      await expect(page.getByTestId("matrix-id")).toHaveText(`@acct.${name}:test.local`);
      await expect(page.getByTestId("identity")).toHaveCount(1);
      await expectNoHorizontalOverflow(page);
      await expectAccessible(page);

      await page.getByLabel("Display name").fill(`Account ${name}`);
      await page.getByRole("button", { name: "Save display name" }).click();
      await expect(page.getByRole("status")).toHaveText("Your display name was saved.");
      await expect(page.getByLabel("Display name")).toHaveValue(`Account ${name}`);

      await page.getByRole("button", { name: "Link Corp SSO" }).click();
      await signInAtIdp(page, corp.user, corp.password);
      await expect(page.getByRole("status")).toHaveText("The sign-in method was linked: you can now use it to sign in.");
      await expect(page.getByTestId("identity")).toHaveCount(2);
      await expect(page.getByTestId("identity").filter({ hasText: "Corp SSO" })).toContainText(corp.sub);
      await expectNoHorizontalOverflow(page);

      await page.getByRole("button", { name: "Unlink Social Login" }).click();
      await expect(page.getByRole("status")).toHaveText("The sign-in method was unlinked.");
      await page.getByRole("button", { name: "Unlink Corp SSO" }).click();
      await expect(page.getByRole("alert")).toContainText("This is the only way left to sign in to your account");
      await expect(page.getByTestId("identity")).toHaveCount(1);
      await expectNoHorizontalOverflow(page);
      await expectAccessible(page);
    });

    test.describe("without JavaScript", () => {
      test.use({ javaScriptEnabled: false });

      test("a password user signs a session out, then deactivates after confirming it's them", async ({ page }) => {
        const localpart = `nojs.${name}`;
        const userId = await createUserDirectly(fixture.server.databaseUrl, { localpart, password: "nojs-password" });
        const login = await fetch(`${base}/_matrix/client/v3/login`, {
          method: "POST",
          body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: localpart }, password: "nojs-password", initial_device_display_name: "Kitchen tablet" }),
        });
        const { access_token: token } = await login.json();

        await page.goto(`${base}/account?action=org.matrix.devices_list`);
        await page.getByLabel("Username").fill(localpart);
        await page.getByLabel("Password").fill("nojs-password");
        await page.getByRole("button", { name: "Sign in", exact: true }).click();
        await expect(page).toHaveURL(`${base}/account?action=org.matrix.devices_list`);
        await expect(page.getByTestId("session")).toHaveCount(1);
        await expect(page.getByTestId("session")).toContainText("Kitchen tablet");
        await expectNoHorizontalOverflow(page);

        await page.getByRole("button", { name: "Sign out Kitchen tablet" }).click();
        await expect(page.getByRole("status")).toHaveText("That session was signed out.");
        await expect(page.getByTestId("session")).toHaveCount(0);
        const whoami = await fetch(`${base}/_matrix/client/v3/account/whoami`, { headers: { Authorization: `Bearer ${token}` } });
        expect(whoami.status).toBe(401);

        // An hour later, deactivation asks the person to confirm it's them first.
        await useDatabase(fixture.server.databaseUrl).webSession.updateMany({ where: { userId }, data: { authenticatedAt: new Date(Date.now() - 3_600_000) } });
        await page.goto(`${base}/account`);
        await page.getByRole("link", { name: "Deactivate account…" }).click();
        await expect(page.getByRole("heading", { name: "Deactivate your account?" })).toBeVisible();
        await page.getByLabel("I understand that this cannot be undone").check();
        await page.getByRole("button", { name: "Deactivate my account" }).click();
        await expect(page.getByRole("heading", { name: "Confirm it's you" })).toBeVisible();
        await expect(page.getByText(`You are signed in as ${userId}`)).toBeVisible();
        await expectNoHorizontalOverflow(page);
        expect((await useDatabase(fixture.server.databaseUrl).user.findUnique({ where: { userId } }))?.deactivated).toBe(false);

        await page.getByLabel("Password").fill("nojs-password");
        await page.getByRole("button", { name: "Sign in", exact: true }).click();
        await expect(page.getByRole("heading", { name: "Deactivate your account?" })).toBeVisible();
        await page.getByLabel("I understand that this cannot be undone").check();
        await page.getByRole("button", { name: "Deactivate my account" }).click();
        await expect(page.getByRole("heading", { name: "Your account has been deactivated" })).toBeVisible();
        expect((await useDatabase(fixture.server.databaseUrl).user.findUnique({ where: { userId } }))?.deactivated).toBe(true);
        await page.goto(`${base}/account`);
        await expect(page.getByRole("heading", { name: "Sign in", level: 1 })).toBeVisible();
      });
    });
  });
}

test("the admin console lists a user's devices, browser sessions and linked sign-in methods, and revokes each", async ({ page }) => {
  const database = useDatabase(fixture.server.databaseUrl);
  await createUserDirectly(fixture.server.databaseUrl, { localpart: "chief", password: "chief-password", admin: true });
  const userId = await createUserDirectly(fixture.server.databaseUrl, { localpart: "kim", password: "kim-password" });
  await database.userExternalId.create({ data: { authProvider: "oidc-social", externalId: "social-7", userId } });
  const login = await fetch(`${base}/_matrix/client/v3/login`, {
    method: "POST",
    body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: "kim" }, password: "kim-password", initial_device_display_name: "Kim's phone" }),
  });
  const { access_token: token, device_id: deviceId } = await login.json();
  const browserSignIn = await fetch(`${base}/sign-in`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin" },
    body: new URLSearchParams({ username: "kim", password: "kim-password" }).toString(),
  });
  expect(browserSignIn.status).toBe(303);

  // Nobody but an admin gets the page.
  await page.goto(`${base}/admin/users/${encodeURIComponent(userId)}/sessions`);
  await expect(page).toHaveURL(/\/admin\/sign-in/);
  await page.getByLabel("Username").fill("chief");
  await page.getByLabel("Password").fill("chief-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  await page.goto(`${base}/admin/users/${encodeURIComponent(userId)}`);
  await page.getByRole("link", { name: "Sessions and sign-in methods" }).click();
  await expect(page.getByRole("heading", { name: "Sessions and sign-in methods" })).toBeVisible();
  await expect(page.getByTestId("admin-device")).toContainText("Kim's phone");
  await expect(page.getByTestId("admin-browser-session")).toHaveCount(1);
  await expect(page.getByTestId("admin-identity")).toContainText("Social Login: social-7");

  await page.getByLabel(`Sign out device ${deviceId}…`).click();
  await page.getByRole("button", { name: `Sign out device ${deviceId}` }).click();
  await expect(page.getByTestId("admin-device")).toHaveCount(0);
  const whoami = await fetch(`${base}/_matrix/client/v3/account/whoami`, { headers: { Authorization: `Bearer ${token}` } });
  expect(whoami.status).toBe(401);

  const sessionId = (await database.webSession.findFirstOrThrow({ where: { userId } })).id;
  await page.getByLabel(`End browser session ${sessionId}…`).click();
  await page.getByRole("button", { name: `End browser session ${sessionId}` }).click();
  await expect(page.getByTestId("admin-browser-session")).toHaveCount(0);
  expect(await database.webSession.count({ where: { userId } })).toBe(0);

  await page.getByLabel("Unlink oidc-social social-7…").click();
  await page.getByRole("button", { name: "Unlink oidc-social social-7" }).click();
  await expect(page.getByTestId("admin-identity")).toHaveCount(0);
  expect(await database.userExternalId.count({ where: { userId } })).toBe(0);
});
