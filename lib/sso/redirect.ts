// GET /_matrix/client/{r0,v3}/login/sso/redirect[/{idpId}] (Synapse's SsoRedirectServlet and
// SsoHandler.handle_redirect_request), and /_synapse/client/pick_idp.
import { getConfig } from "../config/load-config";
import { perConfig } from "../config/per-config";
import { activeTheme } from "../theme/theme-store";
import { BoundedCache } from "./bounded-cache";
import { MatrixError } from "../matrix/errors";
import type { MatrixRequest } from "../matrix/route";
import { renderSsoPage } from "../pages/sso-pages";
import { customTemplateDirectory } from "../pages/template-overrides";
import { clientRedirectUrlProblem } from "./client-redirect";
import { startCasLogin } from "./providers/cas/cas-flow";
import { startOidcLogin } from "./providers/oidc/oidc-flow";
import { startSamlLogin } from "./providers/saml/saml-flow";
import { findIdentityProvider, iconUrlOf, identityProviders, type IdentityProvider } from "./registry";
import { SsoError, ssoErrorResponse } from "./sso-error";

const IDP_ID = /^[A-Za-z0-9_.~-]+$/;

function requireClientRedirectUrl(url: URL): string {
  const redirectUrl = url.searchParams.get("redirectUrl");
  if (redirectUrl === null) throw new MatrixError("M_MISSING_PARAM", "Missing string query parameter redirectUrl");
  const problem = clientRedirectUrlProblem(redirectUrl);
  if (problem) throw new MatrixError("M_INVALID_PARAM", problem);
  return redirectUrl;
}

/** Sends the browser to the provider's login, for a login or (with `uiAuthSessionId`) for UI auth. */
export async function startProviderLogin(
  provider: IdentityProvider,
  clientRedirectUrl: string,
  query: URLSearchParams,
  uiAuthSessionId?: string,
): Promise<Response> {
  switch (provider.protocol) {
    case "saml":
      return startSamlLogin(provider, clientRedirectUrl, uiAuthSessionId);
    case "cas":
      return startCasLogin(provider, clientRedirectUrl, uiAuthSessionId);
    default:
      return startOidcLogin(provider, clientRedirectUrl, query, uiAuthSessionId);
  }
}

/** Sends the browser to the IdP; a provider that cannot be reached gets the HTML error page (503), as in Synapse. */
export async function startLoginAt(provider: IdentityProvider, clientRedirectUrl: string, query: URLSearchParams): Promise<Response> {
  try {
    return await startProviderLogin(provider, clientRedirectUrl, query);
  } catch (error) {
    if (error instanceof SsoError) return ssoErrorResponse(error);
    throw error;
  }
}

export async function handleSsoRedirect({ request, url, params }: MatrixRequest): Promise<Response> {
  const config = getConfig();
  const providers = identityProviders(config);
  if (providers.length === 0) throw new MatrixError("M_UNRECOGNIZED", "Homeserver not configured for SSO.", {}, 400);

  // Cookies set for the IdP round trip must be on the public host, or the callback won't see them.
  const publicBase = new URL(config.public_baseurl);
  const host = request.headers.get("host");
  if (host && host.toLowerCase() !== publicBase.host.toLowerCase()) {
    const path = url.pathname.slice(url.pathname.indexOf("/_matrix"));
    return Response.redirect(`${config.public_baseurl.replace(/\/$/, "")}${path}${url.search}`, 302);
  }

  const idpId = params.idpId;
  if (idpId !== undefined && !IDP_ID.test(idpId)) throw new MatrixError("M_UNRECOGNIZED", "Unrecognized request");
  const clientRedirectUrl = requireClientRedirectUrl(url);

  let provider: IdentityProvider | undefined;
  if (idpId !== undefined) {
    provider = findIdentityProvider(idpId, config);
    if (!provider) throw new MatrixError("M_NOT_FOUND", "Unknown identity provider");
  } else if (providers.length === 1) {
    provider = providers[0];
  } else {
    return new Response(null, {
      status: 302,
      headers: { Location: `/_synapse/client/pick_idp?${new URLSearchParams({ redirectUrl: clientRedirectUrl })}` },
    });
  }
  return startLoginAt(provider, clientRedirectUrl, url.searchParams);
}

/** GET /_synapse/client/pick_idp: the picker, or (with ?idp=) on to that provider's redirect. */
export async function pickIdentityProvider(request: Request): Promise<Response> {
  const config = getConfig();
  const url = new URL(request.url);
  const redirectUrl = url.searchParams.get("redirectUrl");
  if (redirectUrl === null) throw new SsoError("bad_param", "Missing string query parameter 'redirectUrl'");
  const problem = clientRedirectUrlProblem(redirectUrl);
  if (problem) throw new SsoError("bad_param", problem);
  const idp = url.searchParams.get("idp");
  if (idp !== null) {
    // Only a configured IdP's own redirect: an `idp` that looks like a URL goes nowhere (open-redirect defence).
    const provider = findIdentityProvider(idp, config);
    if (!provider) throw new SsoError("unknown_idp", "Unknown identity provider ID");
    const target = `${config.public_baseurl}_matrix/client/v3/login/sso/redirect/${encodeURIComponent(provider.id)}?${new URLSearchParams({ redirectUrl })}`;
    return new Response(null, { status: 302, headers: { Location: target } });
  }
  // The page depends only on the config, the theme and redirectUrl: rendered once per theme version
  // and client, then served from memory (most of a picker request's time was React rendering it).
  // Not with a custom template directory, whose files are read on every render so edits show.
  const cache = customTemplateDirectory(config) === null ? renderedPickers(config) : undefined;
  const key = `${(await activeTheme()).version ?? "built-in"}\u0000${redirectUrl}`;
  const cached = cache?.get(key);
  if (cached) return new Response(cached.body, { status: cached.status, headers: cached.headers });
  const providers = identityProviders(config);
  const response = await renderSsoPage("idp_picker", {
    serverName: config.server_name,
    redirectUrl,
    providers: providers.map((provider) => ({ id: provider.id, name: provider.name, iconUrl: iconUrlOf(provider.icon, config, 32) })),
    providerDetails: providers.map((provider) => ({ idp_id: provider.id, idp_name: provider.name, idp_icon: provider.icon, idp_brand: provider.brand })),
  });
  const page = { status: response.status, headers: [...response.headers], body: await response.text() };
  cache?.set(key, page);
  return new Response(page.body, { status: page.status, headers: page.headers });
}

/** The most recently rendered pickers of this config (least recently rendered dropped first). */
const renderedPickers = perConfig(() => new BoundedCache<{ status: number; headers: [string, string][]; body: string }>(256));
