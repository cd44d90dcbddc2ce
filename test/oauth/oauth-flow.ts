// Test helpers for the OAuth 2.0 API (lib/oauth): a registered client of matrix-js-sdk's current
// major version, a signed-in browser (a web session cookie, as /sign-in leaves it), and the
// authorization round trip through the real interaction and consent pages, over HTTP.
import { createHash, randomBytes } from "node:crypto";
import { OAuth2, type OAuthRegistrationRequest, type ValidatedAuthMetadata } from "matrix-js-sdk-current";
import { expect } from "vitest";
import { startWebSession } from "../../lib/web-session";
import { CookieClient } from "../../test-support/cookie-client";

export const REDIRECT_URI = "http://127.0.0.1:9/callback";

export const CLIENT_METADATA: OAuthRegistrationRequest = {
  client_name: "Test Client",
  client_uri: "https://client.example/",
  logo_uri: "https://client.example/logo.png",
  policy_uri: "https://client.example/privacy",
  tos_uri: "https://client.example/terms",
  application_type: "native",
  redirect_uris: [REDIRECT_URI],
  grant_types: ["authorization_code", "refresh_token"],
  response_types: ["code"],
  token_endpoint_auth_method: "none",
};

/** The metadata as the Matrix endpoint serves it, fetched over HTTP. */
export async function fetchMetadata(baseUrl: string, path = "/_matrix/client/v1/auth_metadata"): Promise<ValidatedAuthMetadata> {
  const response = await fetch(`${baseUrl}${path}`);
  expect(response.status).toBe(200);
  return (await response.json()) as ValidatedAuthMetadata;
}

/** A browser signed in to the homeserver as `userId` (the cookie /sign-in would have set). */
export async function signedInBrowser(userId: string): Promise<CookieClient> {
  const browser = new CookieClient();
  const { cookie } = await startWebSession(userId, "password", null);
  const [pair] = cookie.split(";");
  const index = pair.indexOf("=");
  browser.cookies.set(pair.slice(0, index), pair.slice(index + 1));
  return browser;
}

export function newDeviceId(): string {
  return `DEV${randomBytes(8).toString("hex").toUpperCase()}`;
}

export function pkcePair() {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  return { verifier, challenge };
}

/** Follows the authorization request through the interaction to the redirect; returns where it ended. */
export async function authorize(browser: CookieClient, authorizationUrl: string, { decision = "allow" as "allow" | "deny" | null } = {}) {
  const origin = new URL(authorizationUrl).origin;
  let response = await browser.get(authorizationUrl);
  let consentShown = false;
  for (let hop = 0; hop < 10; hop++) {
    if (response.status === 200 && decision !== null) {
      const html = await response.text();
      expect(html).toContain("full access to your account on this device");
      consentShown = true;
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      if (!action) throw new Error(html);
      response = await browser.postForm(`${origin}${action.replace(/&amp;/g, "&")}`, { decision });
      continue;
    }
    if (response.status !== 303 && response.status !== 302) return { response, location: null, consentShown };
    const location = response.headers.get("location")!;
    const next = new URL(location, origin);
    if (next.origin !== origin) return { response, location: next, consentShown };
    if (next.pathname === "/sign-in") return { response, location: next, consentShown };
    response = await browser.get(next.href);
  }
  throw new Error("too many redirects");
}

/** Registers, authorizes (consenting on the page) and exchanges the code: a signed-in OAuth client. */
export async function logInWithOAuth(baseUrl: string, metadata: ValidatedAuthMetadata, browser: CookieClient, deviceId = newDeviceId()) {
  const clientId = await OAuth2.registerClient(metadata, CLIENT_METADATA);
  const oauth = new OAuth2(metadata, { clientId, deviceId });
  const state = randomBytes(8).toString("hex");
  const url = await oauth.generateAuthorizationCodeGrantUrl(state, REDIRECT_URI, "query");
  const { location } = await authorize(browser, url);
  expect(location?.searchParams.get("state")).toBe(state);
  const code = location!.searchParams.get("code")!;
  const tokens = await oauth.completeAuthorizationCodeGrant(code, REDIRECT_URI);
  return { oauth, clientId, deviceId, tokens, code, baseUrl };
}

export async function whoami(baseUrl: string, accessToken: string) {
  const response = await fetch(`${baseUrl}/_matrix/client/v3/account/whoami`, { headers: { Authorization: `Bearer ${accessToken}` } });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** A raw token endpoint request, for the refusals matrix-js-sdk would not send. */
export async function tokenRequest(metadata: ValidatedAuthMetadata, form: Record<string, string>) {
  const response = await fetch(metadata.token_endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, json: (await response.json().catch(() => ({}))) as Record<string, unknown> };
}
