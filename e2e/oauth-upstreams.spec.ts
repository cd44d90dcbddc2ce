// Logging in to a Matrix client by OAuth 2.0 through the SAML and CAS upstreams in Chromium (issue
// 18, point 8; e2e/oauth.spec.ts does OIDC and the password, test/oauth/oauth-upstreams.test.ts
// these two over HTTP): matrix-js-sdk registers the client and builds the authorization URL, the
// browser lands on our sign-in page, presses the IdP's button, signs in at a real SAML IdP
// (samlify) or a real CAS server (django-cas-server), goes through the username picker if it is
// shown, allows the app, and the client exchanges the code; the new device is then listed on the
// account page in the same browser.
import { expect, test, type Page } from "@playwright/test";
import { createClient, type ValidatedAuthMetadata } from "matrix-js-sdk-current";
import { casServerAvailable, startCasServer, type RunningCasServer } from "../test-support/cas-server";
import { oauthBrowserClient } from "../test-support/oauth-browser";
import { startSamlIdp, type RunningSamlIdp } from "../test-support/saml-idp";
import { startSsoFixture, type SsoFixture } from "../test-support/sso-fixture";
import { disconnectAll } from "../test-support/users";

if (!casServerAvailable()) throw new Error("python3-django-cas-server is missing: run scripts/ensure-test-deps.sh");

let fixture: SsoFixture;
let saml: RunningSamlIdp;
let cas: RunningCasServer;
let base: string;
let metadata: ValidatedAuthMetadata;
let redirectUri: string;

test.beforeAll(async () => {
  saml = await startSamlIdp({
    users: { alice: { attributes: { uid: ["alice"], displayName: ["Alice Liddell"] } } },
    spMetadataUrl: () => `${base}/_synapse/client/saml2/metadata.xml`,
  });
  cas = await startCasServer({
    servicePattern: "^http://127\\.0\\.0\\.1:\\d+/_matrix/client/r0/login/cas/ticket\\?.*",
    users: { carla: { password: "carla-pw", attributes: { cn: "Carla" } } },
  });
  fixture = await startSsoFixture({
    config: {
      saml2_config: { sp_config: { metadata: { remote: [{ url: saml.metadataUrl }] }, accepted_time_diff: 3 }, idp_name: "Corp SAML" },
      cas_config: { enabled: true, server_url: cas.url, displayname_attribute: "cn", idp_name: "Campus CAS" },
    },
  });
  base = fixture.server.baseUrl;
  redirectUri = `${new URL(fixture.clientUrl).origin}/callback`;
  metadata = await createClient({ baseUrl: base }).getAuthMetadata();
});

test.afterAll(async () => {
  await fixture?.stop();
  await saml?.stop();
  await cas?.stop();
  await disconnectAll();
});

// The tests reach only this machine (django-cas-server's pages link a CDN's stylesheets).
test.beforeEach(async ({ context }) => {
  await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
});

const { startLogin, finishLogin, allowOnConsentPage } = oauthBrowserClient(() => ({ base, metadata, redirectUri }));

/** A client name of its own for each run (with --repeat-each, the same name would be the same client, already allowed). */
const freshSuffix = () => Math.random().toString(36).slice(2, 7);

/** After the IdP: the username picker if our server shows it (then `localpart`), then the consent page. */
async function pickNameIfAskedThenAllow(page: Page, clientName: string, localpart: string) {
  const picker = page.getByRole("heading", { name: "Choose your user name" });
  const consent = page.getByRole("heading", { name: `Allow ${clientName} to use your account?` });
  await expect(picker.or(consent)).toBeVisible();
  if (await picker.isVisible()) {
    await page.getByLabel("Username").fill(localpart);
    await page.getByRole("button", { name: "Continue" }).click();
  }
  await allowOnConsentPage(page, clientName);
}

/** The account page in the same browser is the user's, and its Sessions list the client's device. */
async function expectSessionOnAccountPage(page: Page, userId: string, deviceId: string, clientName: string) {
  await page.goto(`${base}/account`);
  await expect(page.getByText(userId).first()).toBeVisible();
  await page.getByRole("navigation", { name: "Account" }).getByRole("link", { name: "Sessions" }).click();
  const session = page.locator(`[data-testid="session"][data-device-id="${deviceId}"]`);
  await expect(session).toContainText(`Device ${deviceId}`);
  await expect(session.getByRole("link", { name: clientName })).toBeVisible();
}

test("SAML: sign-in page, the IdP's own sign-in page, consent; the client's token is for the new device, listed on the account page", async ({ page }) => {
  const client = `SAML App ${freshSuffix()}`;
  const login = await startLogin(client);
  await page.goto(login.url);
  await expect(page.getByRole("heading", { name: "Sign in", level: 1 })).toBeVisible();
  await page.getByRole("link", { name: "Sign in with Corp SAML" }).click();
  await page.waitForURL((url) => url.href.startsWith(`${new URL(saml.metadataUrl).origin}/sso`));
  await page.getByLabel("Username").fill("alice");
  await page.getByRole("button", { name: "Sign in" }).click();
  await pickNameIfAskedThenAllow(page, client, "alice");
  await finishLogin(page, login, "@alice:test.local");
  await expectSessionOnAccountPage(page, "@alice:test.local", login.deviceId, client);
});

test("CAS: sign-in page, django-cas-server's login form, consent; the client's token is for the new device, listed on the account page", async ({ page }) => {
  const client = `CAS App ${freshSuffix()}`;
  const login = await startLogin(client);
  await page.goto(login.url);
  await expect(page.getByRole("heading", { name: "Sign in", level: 1 })).toBeVisible();
  await page.getByRole("link", { name: "Sign in with Campus CAS" }).click();
  await page.waitForURL((url) => url.href.startsWith(`${cas.url}/login`));
  await page.getByLabel("Username").fill("carla");
  await page.getByLabel("Password", { exact: true }).fill("carla-pw");
  await page.getByRole("button", { name: "Login" }).click();
  await pickNameIfAskedThenAllow(page, client, "carla");
  await finishLogin(page, login, "@carla:test.local");
  await expectSessionOnAccountPage(page, "@carla:test.local", login.deviceId, client);
});
