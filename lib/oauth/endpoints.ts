// Where the OAuth 2.0 provider answers, relative to public_baseurl (the issuer), and the Matrix
// API's resource indicator. One table, read by the provider's configuration, the Matrix
// auth_metadata response and server.ts's dispatch.
export const OAUTH_PREFIX = "/oauth2/";

export const OAUTH_ROUTES = {
  authorization: "/oauth2/auth",
  token: "/oauth2/token",
  registration: "/oauth2/registration",
  revocation: "/oauth2/revoke",
  jwks: "/oauth2/keys.json",
  userinfo: "/oauth2/userinfo",
  end_session: "/oauth2/session/end",
  introspection: "/oauth2/introspect",
  code_verification: "/oauth2/device",
  device_authorization: "/oauth2/device/auth",
  backchannel_authentication: "/oauth2/backchannel",
  pushed_authorization_request: "/oauth2/par",
  challenge: "/oauth2/challenge",
} as const;

export const INTERACTION_PREFIX = "/oauth2/interaction/";
export const DISCOVERY_PATH = "/.well-known/openid-configuration";

/** Which requests server.ts hands to the OAuth 2.0 provider instead of Next.js. */
export function isOAuthProviderPath(pathname: string): boolean {
  return pathname.startsWith(OAUTH_PREFIX) || pathname === DISCOVERY_PATH;
}

/** The issuer is public_baseurl as configured (normalised with its trailing slash), as MAS's. */
export function issuerOf(publicBaseUrl: string): string {
  return publicBaseUrl;
}

export function endpointUrl(publicBaseUrl: string, path: string): string {
  return `${publicBaseUrl.replace(/\/+$/, "")}${path}`;
}

/** The resource indicator of the Matrix client-server API, which every access token is for. */
export function matrixResourceOf(publicBaseUrl: string): string {
  return endpointUrl(publicBaseUrl, "/_matrix/client/");
}
