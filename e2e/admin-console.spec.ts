// The admin console in a real browser: sign-in, the theme editor with its live preview, saving, and
// the real login pages picking the theme up; a non-admin is refused; a bad upload is explained.
import { expect, test } from "@playwright/test";
import { startSsoFixture, type SsoFixture } from "../test-support/sso-fixture";
import { createUserDirectly, disconnectAll, useDatabase } from "../test-support/users";
import { previewCustomProperty } from "../test-support/admin-console-browser";

let fixture: SsoFixture;
let base: string;

// A 1×1 PNG.
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");

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

async function signIn(page: import("@playwright/test").Page, username: string, password: string) {
  await page.goto(`${base}/admin`);
  await expect(page).toHaveURL(/\/admin\/sign-in/);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("a non-admin's right password is answered as a wrong one, and an admin who loses the flag gets 403", async ({ page }) => {
  await signIn(page, "worker", "worker-password");
  await expect(page.getByRole("status")).toHaveText("Invalid username or password.");
  await expect(page).toHaveURL(/\/admin\/sign-in/);

  await createUserDirectly(fixture.server.databaseUrl, { localpart: "demoted", password: "demoted-password", admin: true });
  await signIn(page, "demoted", "demoted-password");
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  await useDatabase(fixture.server.databaseUrl).user.update({ where: { userId: "@demoted:test.local" }, data: { admin: false } });
  const response = await page.goto(`${base}/admin/theme`);
  expect(response?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
});

test("an admin themes the pages: preview first, then the real pages after saving", async ({ page }) => {
  await signIn(page, "boss", "boss-password");
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  await expect(page.getByRole("link", { name: "@worker:test.local" })).toBeVisible();
  await page.getByRole("link", { name: "Theme" }).click();
  await expect(page.getByRole("heading", { name: "Theme" })).toBeVisible();

  // A bad upload is refused with a message.
  const uploadMessage = page.getByText("Only PNG, JPEG, GIF, WebP and ICO images can be used.");
  // Retried: a file chosen before the editor has hydrated is not seen by its change handler.
  await expect(async () => {
    await page.getByLabel("Logo").setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: Buffer.from("<svg onload=alert(1)>") });
    await expect(uploadMessage).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await page.getByLabel("Logo").setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: PNG });
  await expect(uploadMessage).toHaveCount(0);

  await page.getByLabel("Product name").fill("Acme Chat");
  await page.getByLabel("primary colour (hex)").fill("#7a1f5c");
  await page.getByLabel("Identity provider picker heading").fill("Welcome to Acme");

  const preview = page.frameLocator("iframe[name=theme-preview]");
  await page.getByLabel("Preview", { exact: true }).selectOption({ label: "Identity provider picker" });
  await expect(preview.getByRole("heading", { name: "Welcome to Acme" })).toBeVisible();
  await expect(preview.getByText("Acme Chat")).toBeVisible();
  await expect
    .poll(() => previewCustomProperty(page, "--color-primary"))
    .toBe("#7a1f5c");
  await page.getByLabel("Preview", { exact: true }).selectOption({ label: "Username picker: name taken" });
  await expect(preview.getByText("alice is taken, please choose another.")).toBeVisible();

  // Nothing is live before saving.
  const before = await (await fetch(`${base}/_synapse/client/pick_idp?redirectUrl=https%3A%2F%2Fapp.example%2F`)).text();
  expect(before).not.toContain("Welcome to Acme");

  await page.getByRole("button", { name: "Save theme" }).click();
  await expect(page.getByText(/Saved as version \d+/)).toBeVisible();

  // The real picker shows it within seconds, without a restart, and with JavaScript off too.
  await expect
    .poll(async () => (await fetch(`${base}/_synapse/client/pick_idp?redirectUrl=https%3A%2F%2Fapp.example%2F`)).text(), { timeout: 10_000 })
    .toContain("Welcome to Acme");
  const picker = await page.context().newPage();
  await picker.goto(`${base}/_synapse/client/pick_idp?redirectUrl=https%3A%2F%2Fapp.example%2F`);
  await expect(picker.getByRole("heading", { name: "Welcome to Acme" })).toBeVisible();
  await expect(picker.locator(".brand-logo")).toBeVisible();
  const primary = await picker.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue("--color-primary").trim());
  expect(primary).toBe("#7a1f5c");

  // The username picker carries the same look.
  await picker.goto(`${base}/_matrix/client/v3/login/sso/redirect/oidc-social?redirectUrl=https%3A%2F%2Fapp.example%2F`);
  await picker.getByLabel("Username").fill("friend5");
  await picker.getByLabel("Password").fill("social-pw-5");
  await picker.getByRole("button", { name: "Sign in" }).click();
  await expect(picker.getByRole("heading", { name: "Choose your user name" })).toBeVisible();
  await expect(picker.getByText("Acme Chat")).toBeVisible();
  expect(await picker.evaluate(() => getComputedStyle(document.querySelector("button[type=submit]")!).backgroundColor)).toBe("rgb(122, 31, 92)");

  // A second version, then a roll-back to the first: the earlier look returns.
  await page.getByLabel("Identity provider picker heading").fill("Acme, version two");
  await page.getByRole("button", { name: "Save theme" }).click();
  await expect(page.getByText(/Saved as version \d+/)).toHaveText(/Saved as version 2/);
  await page.reload();
  await page.getByRole("button", { name: "Roll back to this version" }).first().click();
  await expect(page.getByText(/rolled back to version 1/)).toBeVisible();
  await expect
    .poll(async () => (await fetch(`${base}/_synapse/client/pick_idp?redirectUrl=https%3A%2F%2Fapp.example%2F`)).text(), { timeout: 10_000 })
    .toContain("Welcome to Acme");
});

test("an admin finds a user, removes an SSO link, and deactivates and reactivates the account", async ({ page }) => {
  const database = useDatabase(fixture.server.databaseUrl);
  await database.userExternalId.create({ data: { authProvider: "oidc-corp", externalId: "corp-worker", userId: "@worker:test.local" } });
  const login = await (
    await fetch(`${base}/_matrix/client/v3/login`, { method: "POST", body: JSON.stringify({ type: "m.login.password", user: "worker", password: "worker-password", device_id: "WORKPHONE" }) })
  ).json();

  await signIn(page, "boss", "boss-password");
  await page.getByLabel("Search by user ID or display name").fill("work");
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByRole("link", { name: "@worker:test.local" }).click();
  await expect(page.getByText("oidc-corp: corp-worker")).toBeVisible();
  await expect(page.getByText(/WORKPHONE/)).toBeVisible();

  await page.getByLabel("Remove oidc-corp link corp-worker…").click();
  await page.getByRole("button", { name: "Remove oidc-corp link corp-worker", exact: true }).click();
  await expect(page.getByText("oidc-corp: corp-worker")).toHaveCount(0);
  expect(await database.userExternalId.count({ where: { userId: "@worker:test.local" } })).toBe(0);

  await page.locator("summary", { hasText: "Deactivate…" }).click();
  await page.getByRole("button", { name: "Deactivate @worker:test.local" }).click();
  await expect(page.getByRole("button", { name: "Reactivate" })).toBeVisible();
  const whoami = await fetch(`${base}/_matrix/client/v3/account/whoami`, { headers: { Authorization: `Bearer ${login.access_token}` } });
  expect(whoami.status).toBe(401);
  await page.getByRole("button", { name: "Reactivate" }).click();
  await expect(page.locator("summary", { hasText: "Deactivate…" })).toBeVisible();
  expect((await database.user.findUnique({ where: { userId: "@worker:test.local" } }))?.deactivated).toBe(false);
});

test("an admin signs in by single sign-on, and signs out", async ({ page }) => {
  await createUserDirectly(fixture.server.databaseUrl, { localpart: "alice", admin: true });
  await useDatabase(fixture.server.databaseUrl).userExternalId.create({ data: { authProvider: "oidc-corp", externalId: "corp-alice", userId: "@alice:test.local" } });
  await page.goto(`${base}/admin/sign-in`);
  await page.getByRole("link", { name: "Sign in with single sign-on" }).click();
  await page.getByRole("link", { name: "Corp SSO" }).click();
  await page.getByLabel("Username").fill("alice");
  await page.getByLabel("Password").fill("alice-pw");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  await expect(page.getByText("@alice:test.local").first()).toBeVisible();

  // A plain form post: no need to wait for hydration.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/admin\/sign-in/);
  await page.goto(`${base}/admin`);
  await expect(page).toHaveURL(/\/admin\/sign-in/);
});
