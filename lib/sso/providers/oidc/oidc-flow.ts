// The OIDC browser flow: the redirect to the IdP with its sealed state cookie, and the callback
// (Synapse's OidcHandler), ending in the common SSO core.
import { timingSafeEqual } from "node:crypto";
import { getConfig } from "../../../config/load-config";
import type { HomeserverConfig } from "../../../config/schema";
import { seal, unseal } from "../../../crypto/sealed";
import { readFormBody } from "../../../http/body";
import { browserFlowCookieOptions, clearCookie, readCookie, serializeCookie } from "../../../http/cookies";
import { logger } from "../../../logging/logger";
import { callMapper, findExistingUserByLocalpart } from "../../complete-sso-login";
import { finishUpstreamLogin } from "../../finish-upstream-login";
import { MappingError } from "../../mapping/types";
import { findIdentityProvider } from "../../registry";
import { expiredLinkError, SsoError } from "../../sso-error";
import type { OidcIdentityProvider, OidcLoginState } from "./oidc-provider";

export const OIDC_SESSION_COOKIE = "oidc_session";
const OIDC_SESSION_PURPOSE = "oidc_session";
/** Synapse gives the IdP round trip an hour. */
const OIDC_SESSION_LIFETIME_S = 3600;

function cookieOptions(config: HomeserverConfig) {
  // Scoped to the callback's folder: the cookie goes nowhere else. SameSite=Lax is enough because
  // the IdP returns with a top-level GET (we never ask for response_mode=form_post).
  return browserFlowCookieOptions(`${new URL(config.public_baseurl).pathname}_synapse/client/oidc`, config.public_baseurl);
}

export async function startOidcLogin(
  provider: OidcIdentityProvider,
  clientRedirectUrl: string,
  query: URLSearchParams,
  uiAuthSessionId?: string,
): Promise<Response> {
  const config = getConfig();
  const { url, state } = await provider.authorizationRequest(clientRedirectUrl, query, uiAuthSessionId);
  const sealed = await seal({ ...state }, config.signingSecret, OIDC_SESSION_PURPOSE, OIDC_SESSION_LIFETIME_S);
  const headers = new Headers({ Location: url.toString(), "Cache-Control": "no-store" });
  headers.append("Set-Cookie", serializeCookie(OIDC_SESSION_COOKIE, sealed, { ...cookieOptions(config), maxAgeSeconds: OIDC_SESSION_LIFETIME_S }));
  return new Response(null, { status: 302, headers });
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

async function callbackParameters(request: Request): Promise<URLSearchParams> {
  if (request.method === "POST") return readFormBody(request, 64 * 1024, () => new SsoError("invalid_request", "The request is too large."));
  return new URL(request.url).searchParams;
}

/** GET|POST /_synapse/client/oidc/callback */
export async function handleOidcCallback(request: Request): Promise<Response> {
  const config = getConfig();
  const query = await callbackParameters(request);
  // The state cookie is cleared whatever happens next: it is good for one callback only.
  const clearing = clearCookie(OIDC_SESSION_COOKIE, cookieOptions(config));
  try {
    const response = await processCallback(query, readCookie(request, OIDC_SESSION_COOKIE), config);
    response.headers.append("Set-Cookie", clearing);
    return response;
  } catch (error) {
    if (error instanceof SsoError) error.cookies.push(clearing);
    throw error;
  }
}

async function processCallback(query: URLSearchParams, cookie: string | undefined, config: HomeserverConfig): Promise<Response> {
  const error = query.get("error");
  if (error) {
    const description = query.get("error_description") ?? "";
    if (error === "access_denied") logger.info(`OIDC login refused at the IdP: ${description}`);
    else logger.error(`OIDC IdP returned an error: ${error} ${description}`);
    throw new SsoError(error, description || "The identity provider refused the login.");
  }
  // No cookie: typically Back or a reload after the login finished (the cookie is spent), or a
  // link opened in another browser. The person reads that; the admin gets Synapse's code in the log.
  if (!cookie) throw expiredLinkError("/", "OIDC callback: missing_session (no oidc_session cookie)");
  const state = query.get("state");
  if (!state) throw new SsoError("invalid_request", "State parameter is missing");
  const session = (await unseal(cookie, config.signingSecret, OIDC_SESSION_PURPOSE)) as unknown as OidcLoginState | null;
  if (!session || typeof session.state !== "string") throw new SsoError("invalid_session", "The login session is invalid or has expired. Please log in again.");
  if (!sameSecret(session.state, state)) throw new SsoError("mismatching_session", "The login session does not match this response. Please log in again.");
  const provider = findIdentityProvider(session.idpId, config);
  if (!provider || provider.protocol !== "oidc") throw new SsoError("unknown_idp", "Unknown IdP");
  if (!query.get("code")) throw new SsoError("invalid_request", "Code parameter is missing");

  const { userinfo, token, sessionId } = await provider.completeAuthorization(query, session);
  const mapper = provider.mapper;
  return finishUpstreamLogin({
    idpId: provider.id,
    protocolName: "OIDC",
    remoteUserId: async () => {
      try {
        return String(await mapper.getRemoteUserId(userinfo));
      } catch (caught) {
        throw new SsoError("mapping_error", `Failed to extract subject from OIDC response: ${caught instanceof MappingError ? caught.message : "no subject"}`);
      }
    },
    uiAuthSessionId: session.uiAuthSessionId,
    clientRedirectUrl: session.clientRedirectUrl,
    attributes: userinfo,
    attributeRequirements: provider.settings.attribute_requirements,
    refusedStatus: 400,
    login: async () => ({
      mapperName: provider.mapperName,
      mapUserAttributes: (failures) => Promise.resolve(mapper.mapUserAttributes(userinfo, token, failures)),
      findGrandfatheredUser: provider.settings.allow_existing_users
        ? async () => findExistingUserByLocalpart((await callMapper(async () => mapper.mapUserAttributes(userinfo, token, 0))).localpart)
        : undefined,
      registrationEnabled: provider.settings.enable_registration,
      extraAttributes: mapper.getExtraAttributes ? await mapper.getExtraAttributes(userinfo, token) : null,
      authProviderSessionId: sessionId,
    }),
  });
}
