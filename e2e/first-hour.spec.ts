// A person's first hour (issue 15) in Chromium, at desktop width and at 390 px (a phone): the root
// page's sign-in through the username picker to the signed-in page, the login fallback page's SSO
// buttons, the picker's limits and layout, and the admin console's titles. Every page visited is
// checked with axe-core: no serious or critical violations.
import { expect, test, type Page } from "@playwright/test";
import { expectAccessible, expectNoHorizontalOverflow } from "../test-support/page-checks";
import { startSsoFixture, type SsoFixture } from "../test-support/sso-fixture";
import { createUserDirectly, disconnectAll } from "../test-support/users";

let fixture: SsoFixture;
let base: string;

test.beforeAll(async () => {
  fixture = await startSsoFixture();
  base = fixture.server.baseUrl;
  await createUserDirectly(fixture.server.databaseUrl, { localpart: "boss", password: "boss-password", admin: true });
  await createUserDirectly(fixture.server.databaseUrl, { localpart: "taken" });
});

test.afterAll(async () => {
  await fixture?.stop();
  await disconnectAll();
});

async function signInAtIdp(page: Page, username: string, password: string) {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

const VIEWPORTS = [
  { name: "desktop", viewport: { width: 1280, height: 800 }, account: 4 },
  { name: "phone", viewport: { width: 390, height: 844 }, account: 5 },
] as const;

for (const { name, viewport, account } of VIEWPORTS) {
  test.describe(`at ${name} width`, () => {
    test.use({ viewport });

    test("the root page's button runs the SSO flow through the username picker to the signed-in page", async ({ page }) => {
      const response = await page.goto(`${base}/`);
      expect(response?.status()).toBe(200);
      await expect(page).toHaveTitle("test.local · Matrix");
      await expect(page.getByRole("heading", { name: "test.local", level: 1 })).toBeVisible();
      await expect(page.getByText(`sign in with the homeserver ${base}/`)).toBeVisible();
      await expect(page.getByRole("link", { name: "Open the admin console" })).toHaveAttribute("href", "/admin");
      await expectNoHorizontalOverflow(page);
      await expectAccessible(page);

      await page.getByRole("link", { name: "Sign in with Social Login" }).click();
      await signInAtIdp(page, `friend${account}`, `social-pw-${account}`);
      await expect(page.getByRole("heading", { name: "Choose your user name" })).toBeVisible();

      // The server name stays in sight (below the field on a phone), clear of the focus ring.
      const field = page.getByLabel("Username");
      const suffix = page.locator(".username-affix.server");
      await expect(suffix).toBeVisible();
      const suffixBox = (await suffix.boundingBox())!;
      expect(suffixBox.x + suffixBox.width).toBeLessThanOrEqual(viewport.width);
      await field.focus();
      const ring = await field.evaluate((element) => {
        const style = getComputedStyle(element);
        return parseFloat(style.outlineWidth) + parseFloat(style.outlineOffset);
      });
      const fieldBox = (await field.boundingBox())!;
      const atBox = (await page.locator(".username-affix").first().boundingBox())!;
      expect(fieldBox.x - (atBox.x + atBox.width)).toBeGreaterThan(ring);
      if (suffixBox.y < fieldBox.y + fieldBox.height) expect(suffixBox.x - (fieldBox.x + fieldBox.width)).toBeGreaterThan(ring);
      else expect(suffixBox.y - (fieldBox.y + fieldBox.height)).toBeGreaterThan(ring);
      // Checkboxes wear the theme's primary colour.
      const accent = await page.getByRole("checkbox").first().evaluate((element) => getComputedStyle(element).accentColor);
      expect(accent).toBe("rgb(11, 122, 95)");
      await expectNoHorizontalOverflow(page);
      await expectAccessible(page);

      await field.fill(`first.hour.${name}`);
      await expect(page.locator("#field-username-status")).toHaveText(`first.hour.${name} is available.`);
      await page.getByRole("button", { name: "Continue" }).click();
      await expect(page.getByRole("heading", { name: "You are signed in" })).toBeVisible();
      await expect(page.getByText(`@first.hour.${name}:test.local`)).toBeVisible();
      await expect(page).toHaveTitle("You are signed in · Matrix");
      await expectNoHorizontalOverflow(page);
      await expectAccessible(page);
    });

    test("the login fallback page offers SSO and finishes the login itself, handing it to window.onLogin", async ({ page }) => {
      await page.addInitScript(() => {
        (window as unknown as { onLogin: (response: unknown) => void }).onLogin = (response) => {
          sessionStorage.setItem("onLogin", JSON.stringify(response));
        };
      });
      await page.goto(`${base}/_matrix/static/client/login`);
      await expect(page).toHaveTitle("Log in · Matrix");
      await expect(page.getByLabel("Password")).toBeVisible();
      await expectNoHorizontalOverflow(page);
      await expectAccessible(page);
      await page.getByRole("link", { name: "Continue with Corp SSO" }).click();
      await signInAtIdp(page, "alice", "alice-pw");
      await expect(page.getByRole("status")).toHaveText("Logged in as @alice:test.local");
      expect(new URL(page.url()).searchParams.get("loginToken")).toBeNull();
      const handed = JSON.parse((await page.evaluate(() => sessionStorage.getItem("onLogin")))!);
      expect(handed).toMatchObject({ user_id: "@alice:test.local", access_token: expect.stringMatching(/^syt_/) });
    });
  });
}

test("the picker's length limit is the server's, and the live check lists every problem at once", async ({ page }) => {
  await page.goto(`${base}/_matrix/client/v3/login/sso/redirect/oidc-social?${new URLSearchParams({ redirectUrl: fixture.trustedClientUrl })}`);
  await signInAtIdp(page, "friend6", "social-pw-6");
  const field = page.getByLabel("Username");
  // @localpart:test.local may have 255 characters: 255 - "@".length - ":test.local".length.
  const limit = 255 - 1 - ":test.local".length;
  await expect(field).toHaveAttribute("maxlength", String(limit));
  const status = page.locator("#field-username-status");
  // A value longer than maxlength can still arrive (a pre-filled suggestion, a script): the check says so.
  await field.evaluate((element: HTMLInputElement, value) => {
    element.value = value;
    element.dispatchEvent(new Event("input", { bubbles: true }));
  }, `${"a".repeat(limit)} b`);
  await expect(status).toHaveText(`Too long: at most ${limit} characters. Spaces are not allowed.`);
  await field.fill("Has Space");
  await expect(status).toHaveText("Spaces are not allowed. Please use lowercase letters only.");
  await field.fill("a".repeat(limit));
  await expect(status).toHaveText(`${"a".repeat(limit)} is available.`);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: "Client app" })).toBeVisible();
});

test("every admin page has its own title", async ({ page }) => {
  await page.goto(`${base}/admin`);
  await expect(page).toHaveTitle("Sign in — Admin");
  await expectAccessible(page);
  await page.getByLabel("Username").fill("boss");
  await page.getByLabel("Password").fill("boss-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  await expect(page).toHaveTitle("Users — Admin");
  await page.goto(`${base}/admin/users/${encodeURIComponent("@taken:test.local")}`);
  await expect(page).toHaveTitle("@taken:test.local — Users — Admin");
  await page.goto(`${base}/admin/theme`);
  await expect(page).toHaveTitle("Theme — Admin");
  const missing = await page.goto(`${base}/no-such-page`);
  expect(missing?.status()).toBe(404);
  await expect(page).toHaveTitle("Page not found");
});

test("reload and Back around the confirm page, and a spent picker link, say what happened and offer Start again", async ({ page }) => {
  await page.goto(`${base}/_matrix/client/v3/login/sso/redirect/oidc-social?${new URLSearchParams({ redirectUrl: fixture.clientUrl })}`);
  await signInAtIdp(page, "friend7", "social-pw-7");
  await page.getByLabel("Username").fill("reloader");
  await page.getByRole("button", { name: "Continue" }).click();
  // POST-redirect-GET: the confirm page has its own URL, and reloading it shows it again.
  await expect(page.getByRole("heading", { name: "Your account is ready" })).toBeVisible();
  expect(new URL(page.url()).pathname).toBe("/_synapse/client/sso_confirm");
  const reloaded = await page.reload();
  expect(reloaded?.status()).toBe(200);
  await expect(page.getByRole("heading", { name: "Your account is ready" })).toBeVisible();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: "Client app" })).toBeVisible();

  // Back from the client: the hand-off is spent.
  await page.goBack();
  await expect(page.getByRole("heading", { name: "This sign-in link has expired or was already used" })).toBeVisible();
  await expect(page).toHaveTitle("This sign-in link has expired or was already used · Matrix");
  await expect(page.locator("body")).not.toContainText(/session_id|email|Error code/);
  await expectAccessible(page);
  await page.getByRole("link", { name: "Start again" }).click();
  await expect(page.getByRole("heading", { name: "test.local", level: 1 })).toBeVisible();

  // The picker's URL once the sign-up is done: plain words, not Synapse's "missing session_id".
  const picker = await page.goto(`${base}/_synapse/client/pick_username/account_details`);
  expect(picker?.status()).toBe(400);
  await expect(page.getByRole("heading", { name: "This sign-in link has expired or was already used" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Start again" })).toHaveAttribute("href", "/");
  // The admin finds the cause in the log instead.
  expect(fixture.server.output()).toMatch(/INFO SSO error page 400 bad_session: username picker: no username_mapping_session cookie/);

  // A GET of the confirm endpoint with nothing waiting is that page too, never a blank 405.
  const confirm = await page.goto(`${base}/_synapse/client/sso_confirm`);
  expect(confirm?.status()).toBe(400);
  await expect(page.getByRole("heading", { name: "This sign-in link has expired or was already used" })).toBeVisible();
});
