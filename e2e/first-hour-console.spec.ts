// A person's first hour (issue 15), the rest of it in Chromium: the admin console on a phone and at
// desktop width (the theme editor fits, speaks in words, previews the unsaved draft on every page
// with this server's real name and identity providers), destructive actions that look dangerous and
// ask first, Sign out without JavaScript, a refused user name by POST-redirect-GET, and error pages
// that keep the theme, say what happened and log the cause. Each page is checked with axe-core.
import { expect, test, type Page } from "@playwright/test";
import { expectAccessible, expectNoHorizontalOverflow } from "../test-support/page-checks";
import { startSsoFixture, type SsoFixture } from "../test-support/sso-fixture";
import { createUserDirectly, disconnectAll, useDatabase } from "../test-support/users";
import { previewCustomProperty, signInToConsoleInBrowser } from "../test-support/admin-console-browser";

let fixture: SsoFixture;
let base: string;

// A 1×1 PNG.
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");
const DANGER = "rgb(179, 38, 30)";

test.beforeAll(async () => {
  fixture = await startSsoFixture();
  base = fixture.server.baseUrl;
  await createUserDirectly(fixture.server.databaseUrl, { localpart: "boss", password: "boss-password", admin: true });
  await createUserDirectly(fixture.server.databaseUrl, { localpart: "worker", password: "worker-password" });
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

for (const { name, viewport } of [
  { name: "desktop", viewport: { width: 1280, height: 800 } },
  { name: "phone", viewport: { width: 390, height: 844 } },
] as const) {
  test(`at ${name} width the theme editor fits, names texts in words, and previews the draft on every page with this server's name and IdPs`, async ({ page }) => {
    await page.setViewportSize(viewport);
    await signInToConsoleInBrowser(page, base, "boss", "boss-password");
    await expectNoHorizontalOverflow(page);
    // A user's page, with a destructive action's question open.
    await page.goto(`${base}/admin/users/${encodeURIComponent("@worker:test.local")}`);
    await page.locator("summary", { hasText: "Deactivate…" }).click();
    await expect(page.getByRole("button", { name: "Deactivate @worker:test.local" })).toBeVisible();
    await expectNoHorizontalOverflow(page);
    await expectAccessible(page);
    await page.goto(`${base}/admin/theme`);
    await expect(page.getByRole("heading", { name: "Theme" })).toBeVisible();
    await expectNoHorizontalOverflow(page);
    await expectAccessible(page);

    // The default page of the preview is the start page, with the real server name and IdPs.
    const preview = page.frameLocator("iframe[name=theme-preview]");
    await expect(preview.getByRole("heading", { name: "test.local", level: 1 })).toBeVisible();
    await expect(preview.getByRole("link", { name: "Sign in with Corp SSO" })).toBeVisible();
    await expect(preview.getByRole("link", { name: "Sign in with Social Login" })).toBeVisible();

    // Unsaved colours reach the default page without choosing another one first.
    await page.getByLabel("primary colour (hex)").fill("#7a1f5c");
    // The preview reloads with each draft change: as long as the logo step below allows it.
    await expect.poll(() => previewCustomProperty(page, "--color-primary"), { timeout: 15_000 }).toBe("#7a1f5c");

    // Texts are chosen by words, not keys; the fields offered are the ones the page shows.
    const textPage = page.getByLabel("Page", { exact: true });
    const options = await textPage.locator("option").allTextContents();
    expect(options).toContain("Username picker");
    expect(options.filter((option) => /_/.test(option))).toEqual([]);
    await textPage.selectOption({ label: "Username picker" });
    await page.getByLabel("Username picker heading").fill("Pick your name");
    await expect(page.getByLabel("Username picker button label")).toBeVisible();

    // Another page shows the same draft: the text, the colour (checkboxes too), this server's name.
    await page.getByLabel("Preview", { exact: true }).selectOption({ label: "Username picker" });
    await expect(preview.getByRole("heading", { name: "Pick your name" })).toBeVisible();
    await expect(preview.getByText(":test.local", { exact: true })).toBeVisible();
    await expect(preview.getByText("Corp SSO").first()).toBeVisible();
    const checkbox = preview.getByRole("checkbox").first();
    await expect(checkbox).toHaveCSS("accent-color", "rgb(122, 31, 92)", { timeout: 15_000 });
    await page.getByLabel("primary colour (hex)").fill("#1f4e7a");
    await expect(checkbox).toHaveCSS("accent-color", "rgb(31, 78, 122)", { timeout: 15_000 });

    // The logo in use is shown, and can be removed again; the preview follows both ways.
    await expect(page.getByText("No logo.")).toBeVisible();
    await expect(async () => {
      await page.getByLabel("Logo").setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: PNG });
      await expect(page.getByRole("img", { name: "Current logo" })).toBeVisible({ timeout: 1000 });
    }).toPass({ timeout: 15_000 });
    await expect(preview.locator(".brand-logo")).toBeVisible();
    await expectNoHorizontalOverflow(page);
    await page.getByRole("button", { name: "Remove logo" }).click();
    await expect(page.getByRole("img", { name: "Current logo" })).toHaveCount(0);
    await expect(preview.locator(".brand-logo")).toHaveCount(0);
    await expectNoHorizontalOverflow(page);
    await expectAccessible(page);
  });
}

test("destructive actions are danger-coloured and need a second press; the theme resets to the built-in one", async ({ page }) => {
  await signInToConsoleInBrowser(page, base, "boss", "boss-password");
  await page.goto(`${base}/admin/users/${encodeURIComponent("@worker:test.local")}`);
  const deactivate = page.locator("summary", { hasText: "Deactivate…" });
  expect(await deactivate.evaluate((element) => getComputedStyle(element).color)).toBe(DANGER);
  const confirm = page.getByRole("button", { name: "Deactivate @worker:test.local" });
  await expect(confirm).toBeHidden();
  await deactivate.click();
  await expect(page.getByText("Every device is signed out at once")).toBeVisible();
  expect(await confirm.evaluate((element) => getComputedStyle(element).backgroundColor)).toBe(DANGER);
  await expectAccessible(page);
  await confirm.click();
  await expect(page.getByRole("button", { name: "Reactivate" })).toBeVisible();
  expect((await useDatabase(fixture.server.databaseUrl).user.findUnique({ where: { userId: "@worker:test.local" } }))?.deactivated).toBe(true);
  await page.getByRole("button", { name: "Reactivate" }).click();
  await expect(deactivate).toBeVisible();

  await page.goto(`${base}/admin/theme`);
  await page.getByLabel("Product name").fill("Acme Chat");
  await page.getByRole("button", { name: "Save theme" }).click();
  await expect(page.getByText(/Saved as version \d+/)).toBeVisible();
  await page.reload();
  const reset = page.locator("summary", { hasText: "Reset to the built-in theme…" });
  expect(await reset.evaluate((element) => getComputedStyle(element).color)).toBe(DANGER);
  await reset.click();
  await page.getByRole("button", { name: "Reset the theme" }).click();
  await expect(page.getByText(/reset to the built-in theme/)).toBeVisible();
  await expect(page.getByLabel("Product name")).toHaveValue("Matrix");
});

test("Sign out is a plain form: it works with JavaScript off", async ({ page, browser }) => {
  await signInToConsoleInBrowser(page, base, "boss", "boss-password");
  const noScript = await browser.newContext({ javaScriptEnabled: false, storageState: await page.context().storageState() });
  try {
    const plain = await noScript.newPage();
    await plain.goto(`${base}/admin`);
    await expect(plain.getByRole("heading", { name: "Users" })).toBeVisible();
    await plain.getByRole("button", { name: "Sign out" }).click();
    await expect(plain).toHaveURL(/\/admin\/sign-in$/);
    await plain.goto(`${base}/admin`);
    await expect(plain).toHaveURL(/\/admin\/sign-in$/);
  } finally {
    await noScript.close();
  }
});

test("a refused user name comes back by POST-redirect-GET: reload and Back show it again and never re-submit", async ({ page }) => {
  await page.goto(`${base}/_matrix/client/v3/login/sso/redirect/oidc-social?${new URLSearchParams({ redirectUrl: fixture.trustedClientUrl })}`);
  await signInAtIdp(page, "friend3", "social-pw-3");
  const field = page.getByLabel("Username");
  await field.fill("late.comer");
  await expect(page.locator("#field-username-status")).toHaveText("late.comer is available.");
  // Taken while the person was choosing: only the submit can find out.
  await createUserDirectly(fixture.server.databaseUrl, { localpart: "late.comer" });
  const posts: string[] = [];
  page.on("request", (request) => {
    if (request.method() === "POST") posts.push(request.url());
  });
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.locator("#field-username-status")).toHaveText("late.comer is taken, please choose another.");
  expect(posts).toHaveLength(1);
  expect(new URL(page.url()).pathname).toBe("/_synapse/client/pick_username/account_details");

  const reloaded = await page.reload();
  expect(reloaded?.status()).toBe(200);
  expect(reloaded?.request().method()).toBe("GET");
  await expect(page.locator("#field-username-status")).toHaveText("late.comer is taken, please choose another.");
  await expect(field).toHaveValue("late.comer");
  await page.goBack();
  await expect(page.getByRole("heading", { name: "Choose your user name" })).toBeVisible();
  expect(posts).toHaveLength(1);
  await expectAccessible(page);

  await page.getByLabel("Username").fill("early.comer");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: "Client app" })).toBeVisible();
});

test("error pages keep the theme, have a title that says what happened, and leave the cause to the log", async ({ page }) => {
  await useDatabase(fixture.server.databaseUrl).themeVersion.create({
    data: { settings: JSON.stringify({ productName: "Acme Chat", colors: { primary: "#7a1f5c", background: "#f4f6f8", text: "#17191c" } }), createdBy: "test" },
  });
  const primaryOf = () => page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue("--color-primary").trim());

  // A page that does not exist.
  await expect.poll(async () => (await page.goto(`${base}/no-such-page`), primaryOf()), { timeout: 10_000 }).toBe("#7a1f5c");
  await expect(page).toHaveTitle("Page not found");
  await expect(page.getByText("Acme Chat")).toBeVisible();
  await expectAccessible(page);

  // A link cut short: Synapse's developer wording goes to the log, the page says what it means.
  const cut = await page.goto(`${base}/_synapse/client/pick_idp`);
  expect(cut?.status()).toBe(400);
  await expect(page).toHaveTitle("Sign-in failed · Acme Chat");
  await expect(page.getByText("This sign-in link is incomplete or was changed on the way.")).toBeVisible();
  await expect(page.getByText("Error code: bad_param")).toBeVisible();
  await expect(page.locator("body")).not.toContainText("query parameter");
  expect(await primaryOf()).toBe("#7a1f5c");
  await expectAccessible(page);
  expect(fixture.server.output()).toMatch(/INFO SSO error page 400 bad_param: Missing string query parameter 'redirectUrl'/);

  // Back to the IdP's callback after the login finished: plain words in the theme, the code in the log.
  let callbackUrl = "";
  page.on("request", (request) => {
    if (request.url().startsWith(`${base}/_synapse/client/oidc/callback`)) callbackUrl = request.url();
  });
  await page.goto(`${base}/_matrix/client/v3/login/sso/redirect/oidc-corp?${new URLSearchParams({ redirectUrl: fixture.trustedClientUrl })}`);
  await signInAtIdp(page, "alice", "alice-pw");
  await expect(page.getByRole("heading", { name: "Client app" })).toBeVisible();
  const again = await page.goto(callbackUrl);
  expect(again?.status()).toBe(400);
  await expect(page.getByRole("heading", { name: "This sign-in link has expired or was already used" })).toBeVisible();
  await expect(page).toHaveTitle("This sign-in link has expired or was already used · Acme Chat");
  await expect(page.locator("body")).not.toContainText(/cookie|missing_session|state/i);
  expect(await primaryOf()).toBe("#7a1f5c");
  await expect(page.getByRole("link", { name: "Start again" })).toBeVisible();
  expect(fixture.server.output()).toMatch(/INFO SSO error page 400 bad_session: OIDC callback: missing_session/);

  // Signed in, but not an administrator: a themed 403 with a way to sign in as someone else.
  await createUserDirectly(fixture.server.databaseUrl, { localpart: "demoted", password: "demoted-password", admin: true });
  await signInToConsoleInBrowser(page, base, "demoted", "demoted-password");
  await useDatabase(fixture.server.databaseUrl).user.update({ where: { userId: "@demoted:test.local" }, data: { admin: false } });
  const refused = await page.goto(`${base}/admin/theme`);
  expect(refused?.status()).toBe(403);
  await expect(page).toHaveTitle("Not allowed");
  await expect(page.getByText("Acme Chat")).toBeVisible();
  expect(await primaryOf()).toBe("#7a1f5c");
  await expectAccessible(page);
  await page.getByRole("button", { name: "Sign in as someone else" }).click();
  await expect(page).toHaveURL(/\/admin\/sign-in$/);
});
