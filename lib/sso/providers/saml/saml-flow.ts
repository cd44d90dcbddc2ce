// The SAML browser flow: the redirect to the IdP, the SP
// metadata, and the assertion consumer service, ending in the common SSO core. The ACS is a
// cross-site form POST from the IdP: it uses no cookie (SameSite=Lax ones would not be sent); the
// request it answers is found server-side by InResponseTo.
import { getConfig } from "../../../config/load-config";
import type { HomeserverConfig } from "../../../config/schema";
import { readFormBody } from "../../../http/body";
import { mapUsernameToLocalpart } from "../../../matrix/identifiers";
import { isMappingError } from "../../../modules/errors";
import { samlMapperFor } from "../../../modules/saml";
import { clientRedirectUrlProblem } from "../../client-redirect";
import { findExistingUserByLocalpart } from "../../complete-sso-login";
import { finishUpstreamLogin } from "../../finish-upstream-login";
import { SsoError } from "../../sso-error";
import { samlProviderFor, type SamlIdentityProvider } from "./saml-provider";

/** A SAML response with a few attributes is a few kB; IdPs that embed certificates stay well below this. */
const MAX_RESPONSE_FORM_BYTES = 512 * 1024;

function requireSamlProvider(config: HomeserverConfig): SamlIdentityProvider {
  const provider = samlProviderFor(config);
  if (!provider) throw new SsoError("unknown_idp", "SAML is not enabled on this homeserver.", 404);
  return provider;
}

/** Sends the browser to the IdP with an AuthnRequest (HTTP-Redirect binding). */
export async function startSamlLogin(provider: SamlIdentityProvider, clientRedirectUrl: string, uiAuthSessionId?: string): Promise<Response> {
  const location = await provider.authnRequestUrl(clientRedirectUrl, uiAuthSessionId);
  return new Response(null, { status: 302, headers: { Location: location, "Cache-Control": "no-store" } });
}

/** GET /_synapse/client/saml2/metadata.xml (and the legacy /_matrix/saml2/metadata.xml). */
export async function handleSamlMetadata(): Promise<Response> {
  const provider = requireSamlProvider(getConfig());
  return new Response(provider.metadataXml(), { status: 200, headers: { "Content-Type": "text/xml; charset=utf-8" } });
}

/** GET on the ACS: some IdPs redirect there; Synapse answers with an error. */
export async function handleSamlUnexpectedGet(request: Request): Promise<Response> {
  requireSamlProvider(getConfig());
  throw new SsoError("unexpected_get", `Unexpected GET request on ${new URL(request.url).pathname}`);
}

/** POST /_synapse/client/saml2/authn_response: the IdP's answer, form fields SAMLResponse and RelayState. */
export async function handleSamlAuthnResponse(request: Request): Promise<Response> {
  const config = getConfig();
  const provider = requireSamlProvider(config);
  const form = await readFormBody(request, MAX_RESPONSE_FORM_BYTES, () => new SsoError("invalid_request", "The request is too large.", 413));
  const samlResponseField = form.get("SAMLResponse");
  if (!samlResponseField) throw new SsoError("bad_param", "Missing string query parameter 'SAMLResponse'");
  const relayState = form.get("RelayState");
  if (relayState === null) throw new SsoError("bad_param", "Missing string query parameter 'RelayState'");

  const { samlResponse, request: outstanding } = await provider.validateResponse(samlResponseField);
  const mapper = samlMapperFor(config);
  if (!mapper) throw new SsoError("server_error", "SAML is not enabled on this homeserver.", 500);

  // The client redirect URL is the one remembered with our request; RelayState (which the IdP
  // echoes unsigned) only stands in for it on an accepted unsolicited response.
  let clientRedirectUrl: string;
  if (outstanding) {
    clientRedirectUrl = outstanding.clientRedirectUrl;
  } else {
    const problem = clientRedirectUrlProblem(relayState);
    if (problem) throw new SsoError("bad_param", problem);
    clientRedirectUrl = relayState;
  }

  const grandfatheredAttribute = provider.settings.grandfatheredAttribute;
  return finishUpstreamLogin({
    idpId: provider.id,
    protocolName: "SAML2",
    remoteUserId: async () => {
      try {
        return await mapper.getRemoteUserId(samlResponse, clientRedirectUrl);
      } catch (error) {
        if (isMappingError(error)) throw new SsoError("mapping_error", error.message);
        throw new SsoError("mapping_error", "Failed to extract remote user ID from SAML response");
      }
    },
    uiAuthSessionId: outstanding?.uiAuthSessionId,
    clientRedirectUrl,
    attributes: samlResponse.ava,
    attributeRequirements: provider.settings.attributeRequirements,
    refusedStatus: 401,
    login: async () => ({
      mapperName: mapper.name,
      mapUserAttributes: (failures) => mapper.mapUserAttributes(samlResponse, failures, clientRedirectUrl),
      // Accounts made before the external-ID link existed: the one named by this attribute (Synapse).
      findGrandfatheredUser: grandfatheredAttribute
        ? async () => {
            const value = samlResponse.ava[grandfatheredAttribute]?.[0];
            return value ? findExistingUserByLocalpart(mapUsernameToLocalpart(value)) : null;
          }
        : undefined,
      // SAML has no enable_registration: unknown users are always registered (Synapse).
      registrationEnabled: true,
    }),
  });
}
