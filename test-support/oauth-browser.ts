// A Matrix client's side of an OAuth 2.0 login for the browser tests (e2e/oauth.spec.ts,
// e2e/oauth-upstreams.spec.ts): matrix-js-sdk's current major version registers the client and
// builds the authorization URL, the browser goes through our pages, and the client exchanges the
// code and uses the Matrix API with the token. The redirect URI is a loopback page, as a native
// client's. `setup` is read when each step runs, so a spec can call this before its beforeAll.
import { expect, type Page } from "@playwright/test";
import { createClient, OAuth2, type ValidatedAuthMetadata } from "matrix-js-sdk-current";
import { expectAccessible, expectNoHorizontalOverflow } from "./page-checks";

export interface OAuthBrowserSetup {
  base: string;
  metadata: ValidatedAuthMetadata;
  redirectUri: string;
}

export type OAuthLogin = Awaited<ReturnType<ReturnType<typeof oauthBrowserClient>["startLogin"]>>;

export function oauthBrowserClient(setup: () => OAuthBrowserSetup) {
  /** What a client does before it opens the browser: register, and build the authorization URL. */
  async function startLogin(clientName: string, options: { prompt?: string } = {}) {
    const { metadata, redirectUri } = setup();
    const clientId = await OAuth2.registerClient(metadata, {
      client_name: clientName,
      client_uri: "https://client.example/",
      logo_uri: "https://client.example/logo.png",
      policy_uri: "https://client.example/privacy",
      tos_uri: "https://client.example/terms",
      application_type: "native",
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: "none",
    });
    const deviceId = `E2E${Math.random().toString(36).slice(2, 12).toUpperCase()}`;
    const oauth = new OAuth2(metadata, { clientId, deviceId });
    const url = await oauth.generateAuthorizationCodeGrantUrl("e2e-state", redirectUri, "query", options.prompt);
    return { oauth, deviceId, url };
  }

  /** The client's side after the browser came back: the code grant, then the Matrix API with the token. */
  async function finishLogin(page: Page, login: OAuthLogin, userId: string) {
    const { base, redirectUri } = setup();
    await page.waitForURL((url) => url.href.startsWith(redirectUri));
    const returned = new URL(page.url());
    expect(returned.searchParams.get("state")).toBe("e2e-state");
    const tokens = await login.oauth.completeAuthorizationCodeGrant(returned.searchParams.get("code")!, redirectUri);
    const client = createClient({ baseUrl: base, accessToken: tokens.access_token });
    expect(await client.whoami()).toMatchObject({ user_id: userId, device_id: login.deviceId });
    const { devices } = await client.getDevices();
    expect(devices).toContainEqual(expect.objectContaining({ device_id: login.deviceId }));
    return tokens;
  }

  async function allowOnConsentPage(page: Page, clientName: string, { check = false } = {}) {
    await expect(page.getByRole("heading", { name: `Allow ${clientName} to use your account?` })).toBeVisible();
    await expect(page.getByText("full access to your account on this device")).toBeVisible();
    await expect(page.getByRole("link", { name: "privacy policy" })).toHaveAttribute("href", "https://client.example/privacy");
    if (check) {
      await expectNoHorizontalOverflow(page);
      await expectAccessible(page);
    }
    await page.getByRole("button", { name: "Allow" }).click();
  }

  return { startLogin, finishLogin, allowOnConsentPage };
}
