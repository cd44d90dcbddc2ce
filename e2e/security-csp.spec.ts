// The Content-Security-Policy in a real browser (Debian's Chromium): the pages still work with it —
// the Next.js login fallback page (nonce-based CSP) logs in, the SSO pages run their scripts — and
// the browser reports no violation; a page cannot be framed by another site; and a form posted from
// another site is refused by the server the way a real browser sends it.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type Page } from "@playwright/test";
import { startSsoFixture, type SsoFixture } from "../test-support/sso-fixture";
import { createUserDirectly, disconnectAll, useDatabase } from "../test-support/users";

let fixture: SsoFixture;
let base: string;
let attacker: { url: string; close: () => Promise<void> };

/** A page on another origin (a different port is another origin) that frames us and posts to us. */
function startAttackerSite(target: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((request, response) => {
    response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    if (request.url?.startsWith("/frame")) {
      response.end(`<!DOCTYPE html><title>framer</title><iframe id="victim" src="${target}/_matrix/static/client/login"></iframe>`);
    } else {
      response.end(
        `<!DOCTYPE html><title>forger</title>` +
          `<form id="f" method="post" action="${target}/_synapse/client/pick_username/account_details">` +
          `<input name="username" value="forged.by.browser"><button id="go">go</button></form>`,
      );
    }
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      // "localhost" rather than 127.0.0.1: another site, not just another origin.
      resolve({ url: `http://localhost:${port}`, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

test.beforeAll(async () => {
  fixture = await startSsoFixture();
  base = fixture.server.baseUrl;
  await createUserDirectly(fixture.server.databaseUrl, { localpart: "carla", password: "carla-password" });
  attacker = await startAttackerSite(base);
});

test.afterAll(async () => {
  await attacker?.close();
  await fixture?.stop();
  await disconnectAll();
});

/** Collects CSP violations the page reports, and console errors mentioning the policy. */
async function watchViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  await page.exposeFunction("__reportViolation", (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      (window as unknown as { __reportViolation: (text: string) => void }).__reportViolation(
        `${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`,
      );
    });
  });
  return violations;
}

test("the login fallback page works under its CSP (scripts from our origin only), with no violation", async ({ page }) => {
  const violations = await watchViolations(page);
  const response = await page.goto(`${base}/_matrix/static/client/login`);
  // A route-handler page now (issue 15): its one script is a file of ours, so no inline script at all.
  const csp = response?.headers()["content-security-policy"] ?? "";
  expect(csp).toMatch(/script-src 'self'(;|$)/);
  expect(csp).not.toContain("unsafe-inline");
  await page.getByLabel("Username").fill("carla");
  await page.getByLabel("Password").fill("carla-password");
  await page.getByRole("button", { name: "Log in" }).click();
  // Only the page's script (public/login-fallback.js) can have put this text there.
  await expect(page.getByRole("status")).toHaveText("Logged in as @carla:test.local");
  expect(violations).toEqual([]);
});

test("the SSO pages run their own scripts (the live username check) with no violation", async ({ page }) => {
  const violations = await watchViolations(page);
  await page.goto(`${base}/_matrix/client/v3/login/sso/redirect/oidc-social?${new URLSearchParams({ redirectUrl: fixture.clientUrl })}`);
  await page.getByLabel("Username").fill("friend1");
  await page.getByLabel("Password").fill("social-pw-1");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Choose your user name" })).toBeVisible();
  await page.getByLabel("Username").fill("csp.checked");
  await expect(page.locator("#field-username-status")).toHaveText("csp.checked is available.");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("button", { name: "Continue" })).toBeVisible();
  expect(violations).toEqual([]);
});

test("another site cannot frame the login page", async ({ page }) => {
  await page.goto(`${attacker.url}/frame`);
  const frame = page.frameLocator("#victim");
  // Chromium refuses to render it (frame-ancestors 'none'): the form never appears in the frame.
  await expect(frame.getByLabel("Username")).toHaveCount(0, { timeout: 3000 });
});

test("a username form posted from another site by the browser is refused and registers nobody", async ({ page, context }) => {
  // Get a real mapping session cookie in this browser first.
  await page.goto(`${base}/_matrix/client/v3/login/sso/redirect/oidc-social?${new URLSearchParams({ redirectUrl: fixture.clientUrl })}`);
  await page.getByLabel("Username").fill("friend2");
  await page.getByLabel("Password").fill("social-pw-2");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Choose your user name" })).toBeVisible();
  expect((await context.cookies(base)).some((cookie) => cookie.name === "username_mapping_session")).toBe(true);

  await page.goto(`${attacker.url}/forge`);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().startsWith(`${base}/_synapse/client/pick_username/account_details`) && r.request().method() === "POST"),
    page.click("#go"),
  ]);
  // SameSite=Lax keeps the cookie off a cross-site POST, and the server refuses the request anyway.
  expect(response.status()).toBe(403);
  const user = await useDatabase(fixture.server.databaseUrl).user.findUnique({ where: { userId: "@forged.by.browser:test.local" } });
  expect(user).toBeNull();
});
