// The admin console in a real browser: sign-in, the theme editor with its live preview, saving, and
// the real login pages picking the theme up; a non-admin is refused; a bad upload is explained.
import { expect, test } from "@playwright/test";
import { startSsoFixture, type SsoFixture } from "../test-support/sso-fixture";
import { createUserDirectly, disconnectAll } from "../test-support/users";

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

test("a non-admin is refused with 403", async ({ page }) => {
  await signIn(page, "worker", "worker-password");
  await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
  const response = await page.goto(`${base}/admin/theme`);
  expect(response?.status()).toBe(403);
});

test("an admin themes the pages: preview first, then the real pages after saving", async ({ page }) => {
  await signIn(page, "boss", "boss-password");
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  await expect(page.getByRole("link", { name: "@worker:test.local" })).toBeVisible();
  await page.getByRole("link", { name: "Theme" }).click();
  await expect(page.getByRole("heading", { name: "Theme" })).toBeVisible();

  // A bad upload is refused with a message.
  await page.getByLabel("Logo").setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: Buffer.from("<svg onload=alert(1)>") });
  const uploadMessage = page.getByText("Only PNG, JPEG, GIF, WebP and ICO images can be used.");
  await expect(uploadMessage).toBeVisible();
  await page.getByLabel("Logo").setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: PNG });
  await expect(uploadMessage).toHaveCount(0);

  await page.getByLabel("Product name").fill("Acme Chat");
  await page.getByLabel("primary colour (hex)").fill("#7a1f5c");
  await page.getByLabel("Title").fill("Welcome to Acme");

  const preview = page.frameLocator("iframe[name=theme-preview]");
  await expect(preview.getByRole("heading", { name: "Welcome to Acme" })).toBeVisible();
  await expect(preview.getByText("Acme Chat")).toBeVisible();
  await expect
    .poll(() => page.frame({ name: "theme-preview" })!.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue("--color-primary").trim()))
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
  await page.getByLabel("Title").fill("Acme, version two");
  await page.getByRole("button", { name: "Save theme" }).click();
  await expect(page.getByText(/Saved as version \d+/)).toHaveText(/Saved as version 2/);
  await page.reload();
  await page.getByRole("button", { name: "Roll back to this version" }).first().click();
  await expect(page.getByText(/rolled back to version 1/)).toBeVisible();
  await expect
    .poll(async () => (await fetch(`${base}/_synapse/client/pick_idp?redirectUrl=https%3A%2F%2Fapp.example%2F`)).text(), { timeout: 10_000 })
    .toContain("Welcome to Acme");
});
