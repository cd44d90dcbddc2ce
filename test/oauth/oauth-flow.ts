// Test helpers for the OAuth 2.0 API (lib/oauth): a registered client of matrix-js-sdk's current
// major version, a signed-in browser (a web session cookie, as /sign-in leaves it), and the
// authorization round trip through the real interaction and consent pages, over HTTP.
import { randomBytes } from "node:crypto";
import { OAuth2, type OAuthRegistrationRequest, type ValidatedAuthMetadata } from "matrix-js-sdk-current";
import { expect } from "vitest";
import type { CookieClient } from "../../test-support/cookie-client";
import { authorize, newDeviceId, REDIRECT_URI } from "./browser-steps";

export { authorize, newDeviceId, pkcePair, REDIRECT_URI, signedInBrowser } from "./browser-steps";


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
