// New-user consent (issue 17, point 7) in Chromium at phone width: after the username picker, the
// consent step in the theme — accessible (axe-core), fitting the screen, its link to the policy —
// refuses to continue unticked (the browser's own required check), and creates the account once
// ticked.
import AxeBuilder from "@axe-core/playwright";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { startSsoFixture, type SsoFixture } from "../test-support/sso-fixture";
import { disconnectAll, useDatabase } from "../test-support/users";

let fixture: SsoFixture;
let dir: string;

test.beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "consent-e2e-"));
  mkdirSync(path.join(dir, "en"));
  writeFileSync(path.join(dir, "en", "2.1.html"), "<!DOCTYPE html><html lang=en><title>Privacy policy</title><h1>Privacy policy {{ version }}</h1></html>");
  fixture = await startSsoFixture({ config: { user_consent: { template_dir: dir, version: "2.1", require_at_registration: true } } });
});

test.afterAll(async () => {
  await fixture?.stop();
  await disconnectAll();
  rmSync(dir, { recursive: true, force: true });
});

test.use({ viewport: { width: 390, height: 844 } });

test("a new account agrees to the policy before it exists", async ({ page, context }) => {
  const base = fixture.server.baseUrl;
  await page.goto(`${base}/`);
  await page.getByRole("link", { name: "Sign in with Social Login" }).click();
  await page.getByLabel("Username").fill("friend6");
  await page.getByLabel("Password").fill("social-pw-6");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Choose your user name" })).toBeVisible();
  await page.getByLabel("Username").fill("agreeable");
  await page.getByRole("button", { name: "Continue" }).click();

  await expect(page.getByRole("heading", { name: "Your account is nearly ready" })).toBeVisible();
  await expect(page.getByText("@agreeable:test.local")).toBeVisible();
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical").map((violation) => violation.id)).toEqual([]);
  const widths = await page.evaluate(() => ({ content: document.documentElement.scrollWidth, viewport: window.innerWidth }));
  expect(widths.content).toBeLessThanOrEqual(widths.viewport);

  // The policy opens beside the step.
  const link = page.getByRole("link", { name: "terms and conditions" });
  await expect(link).toHaveAttribute("href", "/_matrix/consent?v=2.1");
  const [policy] = await Promise.all([context.waitForEvent("page"), link.click()]);
  await expect(policy.getByRole("heading", { name: "Privacy policy 2.1" })).toBeVisible();
  await policy.close();

  // Unticked, the browser does not send the form.
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: "Your account is nearly ready" })).toBeVisible();
  expect(await useDatabase(fixture.server.databaseUrl).user.findUnique({ where: { userId: "@agreeable:test.local" } })).toBeNull();

  await page.getByRole("checkbox").check();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: "You are signed in" })).toBeVisible();
  const user = await useDatabase(fixture.server.databaseUrl).user.findUnique({ where: { userId: "@agreeable:test.local" } });
  expect(user?.consentVersion).toBe("2.1");
});
