// A GitHub-style OAuth 2.0 provider works by config alone: no discovery, no ID token, the profile
// from an API endpoint with GitHub's shape (numeric `id`, `login`, no `sub`). The authorization
// server is the real oidc-provider asked for a non-OpenID scope; the profile API in front of it is
// a few lines here, because GitHub's /user API is not a standard a library implements.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieClient } from "../test-support/cookie-client";
import { loginWithFetch, startOidcProvider, type RunningOidcProvider } from "../test-support/oidc-provider";
import { freePort, startServer, type RunningServer } from "../test-support/server";
import { disconnectAll, useDatabase } from "../test-support/users";

describe("a GitHub-style OAuth 2.0 provider", () => {
  let oauth: RunningOidcProvider;
  let api: http.Server;
  let server: RunningServer;

  beforeAll(async () => {
    const port = await freePort();
    oauth = await startOidcProvider({
      accounts: [{ sub: "583231", password: "octo-pw", claims: { preferred_username: "octocat", name: "The Octocat", email: "octocat@github.example" } }],
      clients: [{ client_id: "gh-client", client_secret: "gh-secret", redirect_uris: [`http://127.0.0.1:${port}/_synapse/client/oidc/callback`], token_endpoint_auth_method: "client_secret_post" }],
    });
    // GET /user: the account behind a valid access token, shaped like GitHub's API.
    api = http.createServer(async (request, response) => {
      const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
      const found = token ? await (oauth.provider as unknown as { AccessToken: { find(t: string): Promise<{ accountId: string } | undefined> } }).AccessToken.find(token) : undefined;
      const account = oauth.accounts.find((candidate) => candidate.sub === found?.accountId);
      if (!account) {
        response.writeHead(401, { "Content-Type": "application/json" }).end(JSON.stringify({ message: "Bad credentials" }));
        return;
      }
      response.writeHead(200, { "Content-Type": "application/json" }).end(
        JSON.stringify({ id: Number(account.sub), login: account.claims.preferred_username, name: account.claims.name, email: account.claims.email }),
      );
    });
    await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
    const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    server = await startServer({
      port,
      config: {
        sso: { client_whitelist: ["https://client.example/"] },
        oidc_providers: [
          {
            idp_id: "github",
            idp_name: "GitHub",
            idp_brand: "github",
            discover: false,
            issuer: oauth.issuer,
            client_id: "gh-client",
            client_secret: "gh-secret",
            client_auth_method: "client_secret_post",
            authorization_endpoint: oauth.endpoints.authorization,
            token_endpoint: oauth.endpoints.token,
            userinfo_endpoint: `${apiUrl}/user`,
            scopes: ["profile"],
            user_mapping_provider: {
              config: { subject_claim: "id", localpart_template: "{{ user.login }}", display_name_template: "{{ user.name }}" },
            },
          },
        ],
      },
    });
  });

  afterAll(async () => {
    await server?.stop();
    await oauth?.stop();
    await new Promise((resolve) => api?.close(resolve));
    await disconnectAll();
  });

  it("logs a user in with the profile from the API, keyed by its numeric id", async () => {
    const browser = new CookieClient();
    const start = await browser.get(`${server.baseUrl}/_matrix/client/v3/login/sso/redirect?redirectUrl=${encodeURIComponent("https://client.example/app")}`);
    expect(start.status).toBe(302);
    const authorization = new URL(start.headers.get("location")!);
    expect(authorization.searchParams.get("scope")).toBe("profile");
    // nonce is an OpenID Connect parameter; a plain OAuth 2.0 server may refuse it.
    expect(authorization.searchParams.has("nonce")).toBe(false);
    const callbackUrl = await loginWithFetch(authorization.toString(), "octocat", "octo-pw");
    const callback = await browser.get(callbackUrl);
    expect(callback.status).toBe(302);
    const token = new URL(callback.headers.get("location")!).searchParams.get("loginToken");
    const login = await (await fetch(`${server.baseUrl}/_matrix/client/v3/login`, { method: "POST", body: JSON.stringify({ type: "m.login.token", token }) })).json();
    expect(login.user_id).toBe("@octocat:test.local");
    const user = await useDatabase(server.databaseUrl).user.findUnique({ where: { userId: "@octocat:test.local" }, include: { externalIds: true } });
    expect(user?.displayName).toBe("The Octocat");
    expect(user?.externalIds).toMatchObject([{ authProvider: "oidc-github", externalId: "583231" }]);
  });
});
