// An unexpected server error on a page (Next.js's error boundary, app/error.tsx), met the way a
// person meets it: an admin has the console open when PostgreSQL goes away, and loads a page. No
// test hook: the database really is down (test-support/postgres.ts pause(), as in
// test/resilience). The page must wear the admin's theme, say in plain words what happened, give
// a reference the admin can find in the log next to the cause, keep the cause itself off the page,
// and offer a way on: "Try again" brings the page back once the database is, and the start page.
// At desktop and phone width, with axe-core.
import { expect, test, type Page } from "@playwright/test";
import { expectAccessible, expectNoHorizontalOverflow } from "../test-support/page-checks";
import { startPostgres, type PostgresCluster } from "../test-support/postgres";
import { startServer, type RunningServer } from "../test-support/server";
import { createUserDirectly, disconnectAll, useDatabase } from "../test-support/users";
import { signInToConsoleInBrowser } from "../test-support/admin-console-browser";

let cluster: PostgresCluster;
let server: RunningServer;
let base: string;

const PRIMARY = "#7a1f5c";

test.beforeAll(async () => {
  test.setTimeout(180_000);
  cluster = await startPostgres();
  server = await startServer({ databaseUrl: cluster.url });
  base = server.baseUrl;
  await createUserDirectly(cluster.url, { localpart: "boss", password: "boss-password", admin: true });
  await useDatabase(cluster.url).themeVersion.create({
    data: { settings: JSON.stringify({ productName: "Acme Chat", colors: { primary: PRIMARY, background: "#f4f6f8", text: "#17191c" } }), createdBy: "test" },
  });
  await disconnectAll();
});

test.afterAll(async () => {
  await server?.stop();
  await cluster?.stop();
});

const primaryOf = (page: Page) =>
  page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue("--color-primary").trim());

for (const { name, viewport } of [
  { name: "desktop", viewport: { width: 1280, height: 800 } },
  { name: "phone", viewport: { width: 390, height: 844 } },
] as const) {
  test(`at ${name} width, a page that fails on the server shows a themed page in plain words with a way on, and the cause only in the log`, async ({ page }) => {
    await page.setViewportSize(viewport);
    await signInToConsoleInBrowser(page, base, "boss", "boss-password");
    // The admin's theme is live (the server reads it through a cache of a few seconds).
    await expect
      .poll(async () => {
        const css = await fetch(`${base}/_synapse/client/theme/theme.css`);
        return `${css.headers.get("content-type")} ${(await css.text()).includes(PRIMARY)}`;
      }, { timeout: 15_000 })
      .toBe("text/css; charset=utf-8 true");

    await cluster.pause();
    try {
      const response = await page.goto(`${base}/admin/theme`);
      expect(response?.status()).toBeGreaterThanOrEqual(500);
      await expect(page.getByRole("heading", { name: "Something went wrong" })).toBeVisible();
      await expect(page).toHaveTitle("Something went wrong");
      await expect(page.getByText("The server could not show this page. Nothing was changed.")).toBeVisible();
      await expect(page.getByRole("button", { name: "Try again" })).toBeVisible();
      await expect(page.getByRole("link", { name: "Go to the start page" })).toHaveAttribute("href", "/");
      expect(await primaryOf(page)).toBe(PRIMARY);

      // The cause is for the admin: the page gives only a reference, which the log has with the cause.
      const body = await page.locator("body").innerText();
      expect(body).not.toMatch(/ECONNREFUSED|connect|postgres|prisma|database|127\.0\.0\.1|stack|Error:|at [\w.]+ \(/i);
      const reference = /Reference: (\S+)/.exec(body)?.[1];
      expect(reference, "the page names a reference").toBeTruthy();
      // Next.js logs each error as a block that starts with "⨯" and ends with its digest.
      const log = server.output().replace(/\u001b\[[0-9;]*m/g, "");
      const logged = log.split("⨯").find((block) => block.includes(`digest: '${reference}'`));
      expect(logged, `the server log names the reference ${reference}`).toBeTruthy();
      expect(logged).toContain("Can't reach database server");

      await expectNoHorizontalOverflow(page);
      await expectAccessible(page);
      // The start page it offers answers while the database is still away.
      const start = await page.request.get(`${base}/`);
      expect(start.status()).toBe(200);
      expect(await start.text()).toContain("test.local");
    } finally {
      await cluster.resume();
    }

    // Once the database is back, "Try again" shows the page that failed, without a reload by hand.
    await expect(async () => {
      await page.getByRole("button", { name: "Try again" }).click();
      await expect(page.getByRole("heading", { name: "Theme" })).toBeVisible({ timeout: 3000 });
    }).toPass({ timeout: 30_000 });
    await expect(page).toHaveURL(`${base}/admin/theme`);
  });
}
