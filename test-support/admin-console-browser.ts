// The admin console's password sign-in, as a person does it in the browser tests (over HTTP alone: admin-console.ts).
import { expect, type Page } from "@playwright/test";

/** Signs in at /admin/sign-in with a password and waits for the console's first page. */
export async function signInToConsoleInBrowser(page: Page, base: string, username: string, password: string): Promise<void> {
  await page.goto(`${base}/admin/sign-in`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
}

/**
 * A CSS custom property of the theme preview's page (for `expect.poll`), or undefined while the
 * preview reloads: the editor reloads it on every change, and a read that meets the navigation
 * is retried rather than failed.
 */
export async function previewCustomProperty(page: Page, property: string): Promise<string | undefined> {
  const frame = page.frame({ name: "theme-preview" });
  if (!frame) return undefined;
  try {
    return await frame.evaluate((name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim(), property);
  } catch {
    return undefined;
  }
}
