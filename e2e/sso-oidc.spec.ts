// SSO over OpenID Connect in a real browser (Debian's Chromium) against real OpenID Providers
// (oidc-provider): the IdP picker, the username picker with its live check, the redirect-confirm
// page, and a real Matrix client library exchanging the login token.
import { expect, test, type Page } from "@playwright/test";
// The current major: Playwright loads every spec file into one process, and matrix-js-sdk refuses to
// be loaded twice there ("Multiple matrix-js-sdk entrypoints detected!"), so all browser tests use the
// copy the OAuth 2.0 specs need. 37.x keeps its tests in vitest, which loads each file on its own.
import { createClient } from "matrix-js-sdk-current";
import { hashSecret } from "../lib/auth/secrets";
import { loginWithFetch } from "../test-support/oidc-provider";
import { startSsoFixture, type SsoFixture } from "../test-support/sso-fixture";
import { createUserDirectly, disconnectAll, useDatabase } from "../test-support/users";

let fixture: SsoFixture;
let base: string;

test.beforeAll(async () => {
  fixture = await startSsoFixture();
  base = fixture.server.baseUrl;
  await createUserDirectly(fixture.server.databaseUrl, { localpart: "taken" });
});

test.afterAll(async () => {
  await fixture?.stop();
  await disconnectAll();
});

const loginUrl = (redirectUrl: string, idp?: string) =>
  `${base}/_matrix/client/v3/login/sso/redirect${idp ? `/${idp}` : ""}?${new URLSearchParams({ redirectUrl })}`;

async function signInAtIdp(page: Page, username: string, password: string) {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

function loginTokenFrom(url: string): string {
  const token = new URL(url).searchParams.get("loginToken");
  expect(token).toBeTruthy();
  return token!;
}

test("two IdPs through the picker, a username chosen with the live check, confirmed, and used by matrix-js-sdk", async ({ page }) => {
  await page.goto(loginUrl(fixture.clientUrl));
  await expect(page.getByRole("heading", { name: "Log in to test.local" })).toBeVisible();
  await page.getByRole("link", { name: "Social Login" }).click();

  await signInAtIdp(page, "friend0", "social-pw-0");
  await expect(page.getByRole("heading", { name: "Choose your user name" })).toBeVisible();
  await expect(page.getByText("Optional data from Social Login")).toBeVisible();

  const field = page.getByLabel("Username");
  const status = page.locator("#field-username-status");
  await field.fill("Friend");
  await expect(status).toHaveText("Please use lowercase letters only.");
  await field.fill("_friend");
  await expect(status).toHaveText("Usernames may not begin with an underscore.");
  await field.fill("taken");
  await expect(status).toHaveText("taken is taken, please choose another.");
  await expect(field).toHaveClass(/invalid/);
  await field.fill("friend.zero");
  await expect(status).toHaveText("friend.zero is available.");
  await page.getByRole("button", { name: "Continue" }).click();

  await expect(page.getByRole("heading", { name: "Your account is ready" })).toBeVisible();
  await expect(page.getByText("@friend.zero:test.local")).toBeVisible();
  // For a non-https client the confirm page names scheme, host and path, as Synapse's does.
  await expect(page.getByText(/Continuing will grant http:\/\/127\.0\.0\.1:\d+\/app access/)).toBeVisible();
  await page.getByRole("button", { name: "Continue" }).click();

  await expect(page.getByRole("heading", { name: "Client app" })).toBeVisible();
  const token = loginTokenFrom(page.url());
  expect(new URL(page.url()).searchParams.get("state")).toBe("xyz");

  const client = createClient({ baseUrl: base });
  const login = await client.loginRequest({ type: "m.login.token", token });
  expect(login.user_id).toBe("@friend.zero:test.local");
  const authed = createClient({ baseUrl: base, accessToken: login.access_token, userId: login.user_id });
  expect((await authed.whoami()).user_id).toBe("@friend.zero:test.local");

  // A login token works once.
  const replay = await client.loginRequest({ type: "m.login.token", token }).catch((error: { errcode?: string }) => error);
  expect((replay as { errcode?: string }).errcode).toBe("M_FORBIDDEN");

  // The same person coming back skips the username picker.
  await page.goto(loginUrl(fixture.trustedClientUrl, "oidc-social"));
  await expect(page).toHaveURL(/\/trusted\?loginToken=/);
  const again = await client.loginRequest({ type: "m.login.token", token: loginTokenFrom(page.url()) });
  expect(again.user_id).toBe("@friend.zero:test.local");
});

test("a mapped username goes straight to a whitelisted client", async ({ page }) => {
  await page.goto(loginUrl(fixture.trustedClientUrl, "oidc-corp"));
  await signInAtIdp(page, "alice", "alice-pw");
  await expect(page.getByRole("heading", { name: "Client app" })).toBeVisible();
  const login = await createClient({ baseUrl: base }).loginRequest({ type: "m.login.token", token: loginTokenFrom(page.url()) });
  expect(login.user_id).toBe("@alice:test.local");
});

test("a name taken while the person was choosing comes back with their input kept", async ({ page }) => {
  await page.goto(loginUrl(fixture.trustedClientUrl, "oidc-social"));
  await signInAtIdp(page, "friend1", "social-pw-1");
  const field = page.getByLabel("Username");
  await field.fill("quickest");
  await expect(page.locator("#field-username-status")).toHaveText("quickest is available.");
  await createUserDirectly(fixture.server.databaseUrl, { localpart: "quickest" });
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.locator("#field-username-status")).toHaveText("quickest is taken, please choose another.");
  await expect(field).toHaveValue("quickest");
  await field.fill("second.quickest");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: "Client app" })).toBeVisible();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the picker and the username form still work", async ({ page }) => {
    await page.goto(loginUrl(fixture.clientUrl));
    await page.getByRole("link", { name: "Social Login" }).click();
    await signInAtIdp(page, "friend2", "social-pw-2");
    await page.getByLabel("Username").fill("taken");
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page.locator("#field-username-status")).toHaveText("taken is taken, please choose another.");
    await page.getByLabel("Username").fill("no.script");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page.getByRole("heading", { name: "Client app" })).toBeVisible();
    expect(new URL(page.url()).searchParams.get("loginToken")).toBeTruthy();
  });
});

test("a forged state ends on the error page", async ({ page }) => {
  // Start the login in this browser context (it gets the state cookie), sign in at the IdP from the
  // test, then bring the browser back with the state changed.
  const start = await page.context().request.get(loginUrl(fixture.trustedClientUrl, "oidc-corp"), { maxRedirects: 0 });
  const callbackUrl = new URL(await loginWithFetch(start.headers().location, "alice", "alice-pw"));
  callbackUrl.searchParams.set("state", "forged");
  const response = await page.goto(callbackUrl.toString());
  expect(response?.status()).toBe(400);
  await expect(page.getByRole("heading", { name: "There was an error" })).toBeVisible();
  await expect(page.getByText("Error code: mismatching_session")).toBeVisible();
});

test("an expired sign-up session says so and offers to start again", async ({ page }) => {
  await page.goto(loginUrl(fixture.trustedClientUrl, "oidc-social"));
  await signInAtIdp(page, "friend3", "social-pw-3");
  await expect(page.getByRole("heading", { name: "Choose your user name" })).toBeVisible();
  const cookie = (await page.context().cookies()).find((c) => c.name === "username_mapping_session")!;
  await useDatabase(fixture.server.databaseUrl).usernameMappingSession.update({
    where: { idHash: hashSecret(decodeURIComponent(cookie.value)) },
    data: { expiresAt: new Date(Date.now() - 1000) },
  });
  await page.getByLabel("Username").fill("too.late");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByText("Your sign-up session has expired.")).toBeVisible();
  await page.getByRole("link", { name: "Start again" }).click();
  // The IdP still knows the person, so starting again leads straight back to the picker form.
  await expect(page.getByRole("heading", { name: "Choose your user name" })).toBeVisible();
});
