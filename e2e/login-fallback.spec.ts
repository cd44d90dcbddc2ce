// The browser path end to end: Chromium loads the login fallback page from the started service
// and logs in with a password through the client-server API.
import { expect, test } from "@playwright/test";
import { createUserDirectly } from "../test-support/users";
import { startServer, type RunningServer } from "../test-support/server";

let server: RunningServer;

test.beforeAll(async () => {
  server = await startServer();
  await createUserDirectly(server.databaseUrl, { localpart: "alice", password: "wonderland" });
});

test.afterAll(async () => {
  await server?.stop();
});

test("a person logs in on the fallback page and a wrong password is explained", async ({ page }) => {
  await page.goto(`${server.baseUrl}/_matrix/static/client/login`);
  await expect(page.getByRole("heading", { name: "Log in to test.local" })).toBeVisible();

  await page.getByLabel("Username").fill("alice");
  await page.getByLabel("Password").fill("not it");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("status")).toHaveText("Invalid username or password");

  await page.getByLabel("Password").fill("wonderland");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("status")).toHaveText("Logged in as @alice:test.local");
});
