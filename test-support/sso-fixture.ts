// A homeserver with two real OpenID Providers (oidc-provider) and a stand-in client app, all on
// 127.0.0.1, for the SSO integration and browser tests.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { CookieClient } from "./cookie-client";
import { loginWithFetch, startOidcProvider, type DemoAccount, type RunningOidcProvider } from "./oidc-provider";
import { freePort, startServer, type RunningServer } from "./server";

export interface SsoFixture {
  server: RunningServer;
  /** `oidc-corp`: maps preferred_username to the localpart (the mapper picks the name). */
  corp: RunningOidcProvider;
  /** `oidc-social`: no localpart template, so new users choose their name on the picker. */
  social: RunningOidcProvider;
  /** A client app that is not on sso.client_whitelist (the confirm page is shown). */
  clientUrl: string;
  /** A client app on the whitelist (the browser goes straight back). */
  trustedClientUrl: string;
  stop(): Promise<void>;
}

export const CORP_ACCOUNTS: DemoAccount[] = [
  { sub: "corp-alice", password: "alice-pw", claims: { preferred_username: "alice", name: "Alice Liddell", email: "alice@corp.example", department: "research" } },
  { sub: "corp-carol", password: "carol-pw", claims: { preferred_username: "Carol.Smith", name: "Carol Smith", email: "carol@corp.example", department: "research" } },
  { sub: "corp-mallory", password: "mallory-pw", claims: { preferred_username: "mallory", name: "Mallory", department: "sales" } },
  { sub: "corp-taken", password: "taken-pw", claims: { preferred_username: "taken", name: "Taken Again", department: "research" } },
  { sub: "corp-digits", password: "digits-pw", claims: { preferred_username: "12345", name: "Numbers", department: "research" } },
];

export const SOCIAL_ACCOUNTS: DemoAccount[] = Array.from({ length: 8 }, (_, index) => ({
  sub: `social-${index}`,
  password: `social-pw-${index}`,
  claims: { preferred_username: `friend${index}`, name: `Friend ${index}`, email: `friend${index}@social.example` },
}));

function startClientApp(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((request, response) => {
    response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    response.end(`<!DOCTYPE html><title>Client app</title><h1>Client app</h1><p id="url">${request.url?.replace(/[<>&"]/g, "")}</p>`);
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

/** The `oidc-corp` provider block of homeserver.yaml, for tests that build their own config. */
export function corpProviderConfig(corp: RunningOidcProvider, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    idp_id: "corp",
    idp_name: "Corp SSO",
    idp_brand: "corp",
    idp_icon: "mxc://corp.example/logo",
    issuer: corp.issuer,
    client_id: "homeserver",
    client_secret: "corp-secret",
    scopes: ["openid", "profile", "email"],
    attribute_requirements: [{ attribute: "department", one_of: ["research", "engineering"] }],
    user_mapping_provider: {
      config: {
        localpart_template: "{{ user.preferred_username }}",
        display_name_template: "{{ user.name }}",
        email_template: "{{ user.email }}",
        extra_attributes: { department: "{{ user.department }}" },
      },
    },
    ...overrides,
  };
}

export async function startSsoFixture(options: { databaseUrl?: string; config?: Record<string, unknown> } = {}): Promise<SsoFixture> {
  const port = await freePort();
  const callback = `http://127.0.0.1:${port}/_synapse/client/oidc/callback`;
  const corp = await startOidcProvider({
    accounts: CORP_ACCOUNTS,
    clients: [{ client_id: "homeserver", client_secret: "corp-secret", redirect_uris: [callback] }],
  });
  const social = await startOidcProvider({
    accounts: SOCIAL_ACCOUNTS,
    clients: [{ client_id: "homeserver-social", client_secret: "social-secret", redirect_uris: [callback], token_endpoint_auth_method: "client_secret_post" }],
  });
  const app = await startClientApp();
  const server = await startServer({
    port,
    databaseUrl: options.databaseUrl,
    config: {
      oidc_providers: [
        corpProviderConfig(corp),
        {
          idp_id: "social",
          idp_name: "Social Login",
          issuer: social.issuer,
          client_id: "homeserver-social",
          client_secret: "social-secret",
          client_auth_method: "client_secret_post",
          scopes: ["openid", "profile", "email"],
          user_mapping_provider: { config: { display_name_template: "{{ user.name }}", email_template: "{{ user.email }}" } },
        },
      ],
      sso: { client_whitelist: [`${app.url}/trusted`] },
      ...options.config,
    },
  });
  return {
    server,
    corp,
    social,
    clientUrl: `${app.url}/app?state=xyz#frag`,
    trustedClientUrl: `${app.url}/trusted`,
    stop: async () => {
      await server.stop();
      await corp.stop();
      await social.stop();
      await app.close();
    },
  };
}

/**
 * Starts an SSO login at `idp` with a fresh cookie-keeping browser and signs in at the IdP; returns
 * the browser, the response of our redirect endpoint, and the callback URL the IdP sent it back to.
 */
export async function signInThroughIdp(base: string, idp: string, username: string, password: string, redirectUrl: string) {
  const browser = new CookieClient();
  const start = await browser.get(`${base}/_matrix/client/v3/login/sso/redirect/${idp}?${new URLSearchParams({ redirectUrl })}`);
  if (start.status !== 302) throw new Error(`the SSO redirect answered ${start.status}`);
  const authorizationUrl = start.headers.get("location")!;
  const callbackUrl = await loginWithFetch(authorizationUrl, username, password);
  return { browser, start, authorizationUrl, callbackUrl };
}
