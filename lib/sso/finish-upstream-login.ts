// Everything after an upstream protocol (OIDC, SAML, CAS) has verified who came back from the IdP:
// the UI-auth re-authentication branch, the attribute requirements, the remote user ID, and the
// common SSO login (lib/sso/complete-sso-login.ts). The protocol modules under lib/sso/providers/
// only turn an IdP response into an UpstreamIdentity; this is the one place that decides what
// happens next, so the three protocols cannot drift apart.
import { isLinkReturnUrl, recordLinkIdentity } from "../account/link-attempts";
import { completeSsoUiAuth } from "../auth/ui-auth/sso-reauth";
import { metrics, type SsoLoginOutcome } from "../metrics/recorder";
import { isMappingError } from "../modules/errors";
import { logger } from "../logging/logger";
import { meetsAttributeRequirements } from "./attribute-requirements";
import type { AttributeRequirement } from "./config";
import { completeSsoLoginRequest, type SsoLoginRequest } from "./complete-sso-login";
import { expiredLinkError, SsoError } from "./sso-error";

/** The parts of a login the protocol decides: how to map, grandfather and register. */
export type UpstreamLoginOptions = Omit<SsoLoginRequest, "authProviderId" | "remoteUserId" | "clientRedirectUrl">;

export interface UpstreamIdentity {
  /** The registry ID of the IdP ("oidc-corp", "saml", "cas"). */
  idpId: string;
  /** For logs: "OIDC", "SAML2", "CAS". */
  protocolName: string;
  /**
   * The user's stable ID at the IdP. Asked for only when needed, and may throw an SsoError (a
   * mapping module that cannot find the subject) that ends the flow on the error page.
   */
  remoteUserId: () => Promise<string>;
  /** Present when this IdP round trip re-authenticates a UI-auth session instead of logging in. */
  uiAuthSessionId?: string | null;
  /** The client that asked for the login (already checked by the caller). */
  clientRedirectUrl: string;
  /** The IdP's attributes, checked against `attributeRequirements` on the login path only (Synapse). */
  attributes: Record<string, unknown>;
  attributeRequirements: AttributeRequirement[];
  /** The HTTP status of the "not authorised" page: 400 for OIDC, 401 for SAML and CAS (as their tests pin). */
  refusedStatus: 400 | 401;
  /** The rest of the login, built only when the identity logs in (e.g. OIDC's extra attributes). */
  login: () => Promise<UpstreamLoginOptions>;
}

export async function finishUpstreamLogin(identity: UpstreamIdentity): Promise<Response> {
  if (identity.uiAuthSessionId) return reauthenticate({ ...identity, uiAuthSessionId: identity.uiAuthSessionId });
  if (isLinkReturnUrl(identity.clientRedirectUrl)) return recordLink(identity);
  try {
    const response = await logInUpstreamIdentity(identity);
    metrics()?.ssoLogin(identity.idpId, "success");
    return response;
  } catch (error) {
    metrics()?.ssoLogin(identity.idpId, ssoLoginOutcomeOf(error));
    throw error;
  }
}

/** How a failed SSO login is counted (synapse_sso_logins_total, lib/metrics/prometheus.ts). */
function ssoLoginOutcomeOf(error: unknown): SsoLoginOutcome {
  if (error instanceof SsoError && error.error === "unauthorised") return "attribute_requirement";
  if (isMappingError(error) || (error instanceof SsoError && error.error === "mapping_error")) return "mapping_failure";
  return "error";
}

async function reauthenticate(identity: UpstreamIdentity & { uiAuthSessionId: string }): Promise<Response> {
  // Re-authentication: attribute requirements apply to logins only (Synapse).
  return completeSsoUiAuth(identity.idpId, await identity.remoteUserId(), identity.uiAuthSessionId);
}

/**
 * "Link another sign-in method" on the account page (lib/account): nobody logs in and no account is
 * made; the identity is recorded on the attempt and the browser goes back to the account page,
 * which links it for the session that asked. Attribute requirements apply: an identity that may not
 * log in here is no way to sign in.
 */
async function recordLink(identity: UpstreamIdentity): Promise<Response> {
  if (!meetsAttributeRequirements(identity.attributes, identity.attributeRequirements)) {
    throw new SsoError("unauthorised", "You are not authorised to log in here.", identity.refusedStatus);
  }
  const proofCookie = await recordLinkIdentity(identity.clientRedirectUrl, identity.idpId, await identity.remoteUserId());
  if (!proofCookie) {
    throw expiredLinkError("/account", `account link: no open attempt at ${identity.idpId} for this return`, "Nothing was linked. Start again from your account page.");
  }
  return new Response(null, {
    status: 303,
    headers: { Location: identity.clientRedirectUrl, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "Set-Cookie": proofCookie },
  });
}

async function logInUpstreamIdentity(identity: UpstreamIdentity): Promise<Response> {
  if (!meetsAttributeRequirements(identity.attributes, identity.attributeRequirements)) {
    logger.info(`${identity.protocolName} login at ${identity.idpId} refused: attribute requirements not met`);
    throw new SsoError("unauthorised", "You are not authorised to log in here.", identity.refusedStatus);
  }
  const remoteUserId = await identity.remoteUserId();
  return completeSsoLoginRequest({
    authProviderId: identity.idpId,
    remoteUserId,
    clientRedirectUrl: identity.clientRedirectUrl,
    ...(await identity.login()),
  });
}
