// Cookies under an https public_baseurl: every cookie of an SSO login is Secure (the browser-facing
// tests in browser-security.test.ts run on plain http).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownPost } from "../../test-support/browser-requests";
import { CookieClient } from "../../test-support/cookie-client";
import { loginWithFetch, startOidcProvider, type RunningOidcProvider } from "../../test-support/oidc-provider";
import { freePort, startServer, type RunningServer } from "../../test-support/server";
import { CORP_ACCOUNTS, SOCIAL_ACCOUNTS } from "../../test-support/sso-fixture";

describe("cookies under an https public_baseurl", () => {
  let idp: RunningOidcProvider;
  let server: RunningServer;
  let publicBase: string;

  beforeAll(async () => {
    const port = await freePort();
    publicBase = `https://127.0.0.1:${port}/`;
    idp = await startOidcProvider({
      accounts: [CORP_ACCOUNTS[0], SOCIAL_ACCOUNTS[0]],
      clients: [{ client_id: "homeserver", client_secret: "s3cret", redirect_uris: [`${publicBase}_synapse/client/oidc/callback`] }],
    });
    server = await startServer({
      port,
      config: {
        public_baseurl: publicBase,
        oidc_providers: [
          { idp_id: "secure", idp_name: "Secure", issuer: idp.issuer, client_id: "homeserver", client_secret: "s3cret", scopes: ["openid", "profile"], user_mapping_provider: { config: {} } },
        ],
      },
    });
  });

  afterAll(async () => {
    await server?.stop();
    await idp?.stop();
  });

  it("marks every cookie Secure", async () => {
    const browser = new CookieClient();
    const seen: string[] = [];
    const start = await browser.get(`${server.baseUrl}/_matrix/client/v3/login/sso/redirect/oidc-secure?redirectUrl=${encodeURIComponent("https://app.example/")}`);
    expect(start.status).toBe(302);
    seen.push(...start.headers.getSetCookie());
    // The IdP sends the browser to the https callback; this test server speaks plain HTTP on the same port.
    const callbackUrl = (await loginWithFetch(start.headers.get("location")!, "alice", CORP_ACCOUNTS[0].password)).replace(/^https:/, "http:");
    const callback = await browser.get(callbackUrl);
    expect(callback.status).toBe(302);
    seen.push(...callback.headers.getSetCookie());
    const done = await ownPost(`${server.baseUrl}/_synapse/client/pick_username/account_details`, browser.cookies, "username=secure.user");
    expect(done.status).toBe(303);
    seen.push(...done.headers.getSetCookie());
    expect(new Set(seen.map((cookie) => cookie.split("=")[0]))).toEqual(new Set(["oidc_session", "username_mapping_session", "sso_handoff"]));
    for (const cookie of seen) expect(cookie).toMatch(/;\s*Secure/i);
  });
});
