// GET /_matrix/client/v1/auth_metadata (and MSC2965's unstable path): the authorization server
// metadata a Matrix client discovers before it registers and sends the person to log in. The
// same endpoints as oidc-provider's /.well-known/openid-configuration, in the Matrix spec's shape.
import { getConfig } from "../config/load-config";
import type { HomeserverConfig } from "../config/schema";
import { MatrixError } from "../matrix/errors";
import { identityProviders } from "../sso/registry";
import { endpointUrl, issuerOf, OAUTH_ROUTES } from "./endpoints";
import { DEVICE_GRANT_TYPE } from "./device-flow";

/** The MSC4191 actions the account page (/account, issue 19) opens a view for. */
const ACCOUNT_MANAGEMENT_ACTIONS = [
  "org.matrix.profile",
  "org.matrix.devices_list",
  "org.matrix.device_view",
  "org.matrix.device_delete",
  "org.matrix.account_deactivate",
  // The values MAS and clients before MSC4191's final names send.
  "org.matrix.sessions_list",
  "org.matrix.session_view",
  "org.matrix.session_end",
];

/** Whether a person without an account can get one here: prompt=create leads somewhere. */
function registrationPossible(config: HomeserverConfig): boolean {
  return identityProviders(config).length > 0 || (config as { enable_registration?: unknown }).enable_registration === true;
}

export function authMetadata(config: HomeserverConfig = getConfig()): Record<string, unknown> {
  if (!config.oauth_server.enabled) {
    throw new MatrixError("M_UNRECOGNIZED", "This homeserver does not support the OAuth 2.0 API.", {}, 404);
  }
  const base = config.public_baseurl;
  return {
    issuer: issuerOf(base),
    authorization_endpoint: endpointUrl(base, OAUTH_ROUTES.authorization),
    token_endpoint: endpointUrl(base, OAUTH_ROUTES.token),
    registration_endpoint: endpointUrl(base, OAUTH_ROUTES.registration),
    revocation_endpoint: endpointUrl(base, OAUTH_ROUTES.revocation),
    jwks_uri: endpointUrl(base, OAUTH_ROUTES.jwks),
    response_types_supported: ["code"],
    grant_types_supported: ["authorization_code", "refresh_token", DEVICE_GRANT_TYPE],
    device_authorization_endpoint: endpointUrl(base, OAUTH_ROUTES.device_authorization),
    response_modes_supported: ["query", "fragment"],
    code_challenge_methods_supported: ["S256"],
    token_endpoint_auth_methods_supported: ["none"],
    revocation_endpoint_auth_methods_supported: ["none"],
    scopes_supported: ["openid", "urn:matrix:client:api:*", "urn:matrix:org.matrix.msc2967.client:api:*", "urn:synapse:admin:*"],
    prompt_values_supported: registrationPossible(config) ? ["login", "consent", "create"] : ["login", "consent"],
    account_management_uri: endpointUrl(base, "/account"),
    account_management_actions_supported: ACCOUNT_MANAGEMENT_ACTIONS,
  };
}
