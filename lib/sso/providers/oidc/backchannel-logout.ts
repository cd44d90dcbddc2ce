// POST /_synapse/client/oidc/backchannel_logout — OpenID Connect Back-Channel Logout 1.0, as Synapse's
// OIDCBackchannelLogoutResource and SsoHandler.revoke_sessions_for_provider_session_id. The OP posts a signed logout token when a person signs out there; every
// device, pending login token and sign-up session that came from that upstream session (`sid`,
// recorded at login: lib/sso/providers/oidc/oidc-flow.ts) ends. The OP waits for the answer (a few
// seconds at most), so the work is a handful of indexed statements.
//
// The token is verified with jose against the provider's published keys (signature, algorithm,
// `iss`, `aud`, `iat`/`exp` with Synapse's 120 s leeway), then the claims the spec requires: the
// back-channel logout event, a `sid` (Synapse requires one: logins without `sid` record none), and
// no `nonce` (which would make it an ID token). Errors are Synapse's 400 JSON bodies.
import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTPayload } from "jose";
import { db } from "../../../db/client";
import { readFormBody } from "../../../http/body";
import { logger } from "../../../logging/logger";
import { jsonResponse } from "../../../matrix/route";
import { deleteDevices } from "../../../auth/devices";
import { notifyLoggedOut } from "../../../auth/logged-out";
import { findUserIdByExternalId } from "../../../users/users";
import { identityProviders } from "../../registry";
import type { OidcIdentityProvider } from "./oidc-provider";

const BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout";
const MAX_BODY_BYTES = 16 * 1024;
/** Synapse's leeway on iat/exp when it validates a logout token (OidcProvider). */
const CLOCK_TOLERANCE_S = 120;

class LogoutError extends Error {}

const invalid = (message: string) => new LogoutError(message);

export async function handleBackchannelLogout(request: Request): Promise<Response> {
  try {
    const form = await readFormBody(request, MAX_BODY_BYTES, () => invalid("Invalid logout_token in request"));
    const token = form.get("logout_token");
    if (!token) throw invalid("Missing logout_token in request");
    const provider = providerFor(token);
    if (!provider.settings.backchannel_logout_enabled) throw invalid("OpenID Connect Back-Channel Logout is disabled for this provider");
    const claims = await verifyLogoutToken(provider, token);
    await endUpstreamSession(provider, claims.sid as string, typeof claims.sub === "string" ? claims.sub : undefined);
    return new Response(null, { status: 200, headers: { "Cache-Control": "no-cache, no-store", Pragma: "no-cache" } });
  } catch (error) {
    if (error instanceof LogoutError) return jsonResponse({ errcode: "M_UNKNOWN", error: error.message }, 400);
    logger.error("OIDC back-channel logout failed", error);
    return jsonResponse({ errcode: "M_UNKNOWN", error: "Internal server error" }, 500);
  }
}

/** The configured provider that issued the token, from its unverified `iss` and `aud` (Synapse's order). */
function providerFor(token: string): OidcIdentityProvider {
  if (token.split(".").length !== 3) throw invalid("Invalid logout_token in request");
  let payload: JWTPayload;
  try {
    payload = decodeJwt(token);
  } catch {
    throw invalid("Invalid logout_token payload in request");
  }
  const { iss, aud } = payload;
  const audiences = typeof aud === "string" ? [aud] : aud;
  if (typeof iss !== "string" || !Array.isArray(audiences) || !audiences.every((entry) => typeof entry === "string")) {
    throw invalid("Invalid issuer/audience in logout_token");
  }
  const provider = identityProviders().find(
    (candidate): candidate is OidcIdentityProvider =>
      candidate.protocol === "oidc" && candidate.settings.issuer === iss && audiences.includes(candidate.settings.client_id),
  );
  if (!provider) throw invalid("Could not find the OP that issued this event");
  return provider;
}

const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

async function verifyLogoutToken(provider: OidcIdentityProvider, token: string): Promise<JWTPayload> {
  let claims: JWTPayload;
  try {
    const metadata = (await provider.config()).serverMetadata();
    if (!metadata.jwks_uri) throw new Error("the provider publishes no jwks_uri");
    let keys = keySets.get(metadata.jwks_uri);
    if (!keys) {
      // jose caches the key set and fetches it again for an unknown `kid` (Synapse reloads once too).
      keys = createRemoteJWKSet(new URL(metadata.jwks_uri));
      keySets.set(metadata.jwks_uri, keys);
    }
    const algorithms = (metadata.id_token_signing_alg_values_supported ?? ["RS256"]).filter((alg) => alg !== "none" && !alg.startsWith("HS"));
    ({ payload: claims } = await jwtVerify(token, keys, {
      issuer: metadata.issuer,
      audience: provider.settings.client_id,
      algorithms,
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ["iat"],
    }));
  } catch (error) {
    logger.info(`OIDC back-channel logout from ${provider.id} refused: ${error instanceof Error ? error.message : String(error)}`);
    throw invalid("Invalid logout_token");
  }
  const events = claims.events;
  const valid =
    typeof claims.sid === "string" &&
    events !== null &&
    typeof events === "object" &&
    !Array.isArray(events) &&
    BACKCHANNEL_LOGOUT_EVENT in events &&
    claims.nonce === undefined;
  if (!valid) {
    logger.info(`OIDC back-channel logout from ${provider.id} refused: missing sid or event, or a nonce`);
    throw invalid("Invalid logout_token");
  }
  return claims;
}

/**
 * Synapse's revoke_sessions_for_provider_session_id: sign-up sessions deleted, login tokens spent,
 * devices (with their tokens) deleted — only the owner's when `sub` maps to a user (unless
 * backchannel_logout_ignore_sub).
 */
async function endUpstreamSession(provider: OidcIdentityProvider, sid: string, sub: string | undefined): Promise<void> {
  const session = { authProviderId: provider.id, authProviderSessionId: sid };
  const expectedUserId = sub !== undefined && !provider.settings.backchannel_logout_ignore_sub ? await findUserIdByExternalId(provider.id, sub) : null;
  await db().usernameMappingSession.deleteMany({ where: session });
  await db().loginToken.updateMany({ where: { ...session, usedAt: null }, data: { usedAt: new Date() } });
  const devices = await db().device.findMany({ where: session, select: { userId: true, deviceId: true } });
  const byUser = new Map<string, string[]>();
  for (const { userId, deviceId } of devices) {
    if (expectedUserId !== null && userId !== expectedUserId) {
      logger.error(`OIDC back-channel logout from ${provider.id}: device ${deviceId} of ${userId} is not ${expectedUserId}'s; kept`);
      continue;
    }
    byUser.set(userId, [...(byUser.get(userId) ?? []), deviceId]);
  }
  for (const [userId, deviceIds] of byUser) {
    await notifyLoggedOut(await deleteDevices(userId, deviceIds));
    logger.info(`OIDC back-channel logout from ${provider.id}: ended ${deviceIds.length} device(s) of ${userId}`);
  }
}
