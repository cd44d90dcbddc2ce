// The `servlet` label of the request metrics: the name of the Synapse class that serves the same
// path, so that a Grafana dashboard or alert filtering on e.g. servlet="LoginRestServlet" keeps
// working when it points at this service. Synapse labels a request with the servlet's class name
// (JsonResource picks the servlet by path) or, for the HTML resources under /_synapse/client, the
// resource's class name; an unknown /_matrix path is "unrecognised_request_handler".
//
// Paths Synapse does not have (the admin console, Next.js assets, our confirm step) get names of
// our own in the same style, so they can be told apart without being mistaken for Synapse's.

const CLIENT = String.raw`^/_matrix/client/(?:r0|v1|v3|unstable)`;

const SERVLETS: ReadonlyArray<readonly [RegExp, string]> = [
  [new RegExp(`${CLIENT}/login$`), "LoginRestServlet"],
  [new RegExp(`${CLIENT}/login/(?:sso|cas)/redirect(?:/[^/]+)?$`), "SsoRedirectServlet"],
  [new RegExp(`${CLIENT}/login/cas/ticket$`), "CasTicketServlet"],
  [new RegExp(`${CLIENT}/refresh$`), "RefreshTokenServlet"],
  [new RegExp(`${CLIENT}/logout$`), "LogoutRestServlet"],
  [new RegExp(`${CLIENT}/logout/all$`), "LogoutAllRestServlet"],
  [new RegExp(`${CLIENT}/devices$`), "DevicesRestServlet"],
  [new RegExp(`${CLIENT}/devices/[^/]+$`), "DeviceRestServlet"],
  [new RegExp(`${CLIENT}/delete_devices$`), "DeleteDevicesRestServlet"],
  [new RegExp(`${CLIENT}/account/password$`), "PasswordRestServlet"],
  [new RegExp(`${CLIENT}/account/deactivate$`), "DeactivateAccountRestServlet"],
  [new RegExp(`${CLIENT}/account/whoami$`), "WhoamiRestServlet"],
  [new RegExp(`${CLIENT}/auth/[^/]+/fallback/web$`), "AuthRestServlet"],
  [/^\/_matrix\/client\/versions$/, "VersionsRestServlet"],
  [/^\/_synapse\/client\/pick_idp$/, "PickIdpResource"],
  [/^\/_synapse\/client\/pick_username\/account_details$/, "AccountDetailsResource"],
  [/^\/_synapse\/client\/pick_username\/check$/, "AvailabilityCheckResource"],
  [/^\/_synapse\/client\/new_user_consent$/, "NewUserConsentResource"],
  [/^\/_synapse\/client\/sso_register$/, "SsoRegisterResource"],
  [/^\/_synapse\/client\/oidc\/callback$/, "OIDCCallbackResource"],
  [/^\/_synapse\/client\/oidc\/backchannel_logout$/, "OIDCBackchannelLogoutResource"],
  [/^\/_(?:synapse\/client|matrix)\/saml2\/authn_response$/, "SAML2ResponseResource"],
  [/^\/_(?:synapse\/client|matrix)\/saml2\/metadata\.xml$/, "SAML2MetadataResource"],
  [/^\/_synapse\/admin\/v2\/users$/, "UsersRestServletV2"],
  [/^\/_synapse\/admin\/v2\/users\/[^/]+$/, "UserRestServletV2"],
  [/^\/_synapse\/admin\/v1\/auth_providers\/[^/]+\/users\/[^/]+$/, "UserByExternalId"],
  [/^\/_matrix\/consent$/, "ConsentResource"],
  // Synapse serves /_matrix/static with Twisted's File resource.
  [/^\/_matrix\/static\//, "File"],
  [/^\/\.well-known\/matrix\/client$/, "ClientWellKnownResource"],
  // Ours.
  [/^\/_synapse\/client\/sso_confirm$/, "SsoConfirmResource"],
  [/^\/_synapse\/client\/theme\//, "ThemeAssetResource"],
  [/^\/_next\//, "NextStaticResource"],
  [/^\/(?:admin|api\/auth)(?:\/|$)/, "AdminConsoleResource"],
  [/^\/(?:signed-in)?$/, "RootResource"],
];

/**
 * Paths already named, so that a hot path is not matched against the table on every request. Paths
 * carry IDs (devices, users), so the memo is bounded: when full it starts again.
 */
const named = new Map<string, string>();
const MAX_NAMED_PATHS = 1024;

/** Synapse's servlet name for a request path (the path only, without the query). */
export function servletNameOf(pathname: string): string {
  const known = named.get(pathname);
  if (known !== undefined) return known;
  let name = "unrecognised_request_handler";
  for (const [pattern, servlet] of SERVLETS) {
    if (pattern.test(pathname)) {
      name = servlet;
      break;
    }
  }
  if (named.size >= MAX_NAMED_PATHS) named.clear();
  named.set(pathname, name);
  return name;
}
