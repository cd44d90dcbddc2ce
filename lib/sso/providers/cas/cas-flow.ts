// The CAS browser flow: to the CAS login page, and back to
// /login/cas/ticket, which validates the ticket and continues into the common SSO core.
import { getConfig } from "../../../config/load-config";
import { MatrixError } from "../../../matrix/errors";
import type { MatrixRequest } from "../../../matrix/route";
import { mapUsernameToLocalpart } from "../../../matrix/identifiers";
import { clientRedirectUrlProblem } from "../../client-redirect";
import { findExistingUserByLocalpart } from "../../complete-sso-login";
import { finishUpstreamLogin } from "../../finish-upstream-login";
import { SsoError, ssoErrorResponse } from "../../sso-error";
import { casProviderFor, type CasIdentityProvider } from "./cas-provider";

/** Sends the browser to `<server_url>/login?service=<our ticket URL>`. */
export function startCasLogin(provider: CasIdentityProvider, clientRedirectUrl: string, uiAuthSessionId?: string): Response {
  const service = provider.serviceUrl(uiAuthSessionId ? { session: uiAuthSessionId } : { redirectUrl: clientRedirectUrl });
  return new Response(null, { status: 302, headers: { Location: provider.loginUrl(service), "Cache-Control": "no-store" } });
}

function asciiParam(url: URL, name: string): string | null {
  const value = url.searchParams.get(name);
  if (value !== null && !/^[\x00-\x7f]*$/.test(value)) throw new MatrixError("M_UNKNOWN", `Query parameter '${name}' must be ascii`);
  return value;
}

/** GET /_matrix/client/{r0,v3}/login/cas/ticket?ticket=…&redirectUrl=… (or &session=… for UI auth). */
export async function handleCasTicket({ url }: MatrixRequest): Promise<Response> {
  const provider = casProviderFor(getConfig());
  if (!provider) throw new MatrixError("M_UNRECOGNIZED", "Unrecognized request", {}, 404);
  const ticket = asciiParam(url, "ticket");
  if (!ticket) throw new MatrixError("M_MISSING_PARAM", "Missing string query parameter 'ticket'");
  const redirectUrl = asciiParam(url, "redirectUrl");
  const session = asciiParam(url, "session");
  if (redirectUrl === null && session === null) {
    throw new MatrixError("M_MISSING_PARAM", "Missing string query parameter redirectUrl or session");
  }
  try {
    return await completeCasLogin(provider, ticket, redirectUrl, session);
  } catch (error) {
    if (error instanceof SsoError) return ssoErrorResponse(error);
    throw error;
  }
}

async function completeCasLogin(provider: CasIdentityProvider, ticket: string, redirectUrl: string | null, session: string | null): Promise<Response> {
  // The service must be exactly the one the ticket was issued for.
  const service = provider.serviceUrl({ redirectUrl, session });
  const cas = await provider.validateTicket(ticket, service);

  let clientRedirectUrl = "";
  if (session === null) {
    clientRedirectUrl = redirectUrl!;
    const problem = clientRedirectUrlProblem(clientRedirectUrl);
    if (problem) throw new SsoError("bad_param", problem);
  }
  const localpart = mapUsernameToLocalpart(cas.username);
  return finishUpstreamLogin({
    idpId: provider.id,
    protocolName: "CAS",
    remoteUserId: async () => cas.username,
    uiAuthSessionId: session,
    clientRedirectUrl,
    attributes: cas.attributes,
    attributeRequirements: provider.settings.requirements,
    refusedStatus: 401,
    login: async () => {
      const displayAttribute = provider.settings.displaynameAttribute;
      const displayName = displayAttribute ? (cas.attributes[displayAttribute]?.[0] ?? null) : null;
      return {
        // CAS has no mapping-provider modules: the name is always the hex-mapped CAS user name.
        mapperName: "the built-in CAS user name mapping",
        mapUserAttributes: async (failures) => ({
          localpart: failures ? `${localpart}${failures}` : localpart,
          displayName,
          emails: [],
        }),
        // CAS did not always record external IDs, so Synapse always maps to an existing account of that name.
        findGrandfatheredUser: () => findExistingUserByLocalpart(localpart),
        registrationEnabled: provider.settings.enableRegistration,
      };
    },
  });
}
