// The route handlers server.ts serves itself, straight from the same app/ route modules Next.js
// serves (one implementation per endpoint), without Next's per-request machinery: the client-server
// API and the SSO endpoints that are hit hardest (GET /login, the SSO redirects, the IdP picker, the
// availability check, token login). Measured in BENCHMARKS.md.
//
// Only routes that proxy.ts never sees are listed (its matcher excludes /_matrix/client/,
// /_matrix/saml2/ and /_synapse/ apart from the form endpoints), and the GET of one form endpoint,
// which proxy.ts lets through unchanged, so a request gets the same answer by either path:
// test/direct-routes.test.ts compares them. Anything not listed (pages, the admin console,
// next-auth, the form posts behind proxy.ts's CSRF check) goes to Next.js.
// Static imports (not import()): Node's ES module loader would read "%5F" in these paths as an
// escaped "_" and look for app/_matrix.
import * as routeMatrixClientVersions from "../../app/%5Fmatrix/client/versions/route";
import * as routeMatrixClientVersionLogin from "../../app/%5Fmatrix/client/[version]/login/route";
import * as routeMatrixClientVersionLoginSsoRedirect from "../../app/%5Fmatrix/client/[version]/login/sso/redirect/route";
import * as routeMatrixClientVersionLoginSsoRedirectIdpid from "../../app/%5Fmatrix/client/[version]/login/sso/redirect/[idpId]/route";
import * as routeMatrixClientVersionLoginCasRedirect from "../../app/%5Fmatrix/client/[version]/login/cas/redirect/route";
import * as routeMatrixClientVersionLoginCasTicket from "../../app/%5Fmatrix/client/[version]/login/cas/ticket/route";
import * as routeMatrixClientVersionAccountWhoami from "../../app/%5Fmatrix/client/[version]/account/whoami/route";
import * as routeMatrixClientVersionAccountPassword from "../../app/%5Fmatrix/client/[version]/account/password/route";
import * as routeMatrixClientVersionAccountDeactivate from "../../app/%5Fmatrix/client/[version]/account/deactivate/route";
import * as routeMatrixClientVersionLogout from "../../app/%5Fmatrix/client/[version]/logout/route";
import * as routeMatrixClientVersionLogoutAll from "../../app/%5Fmatrix/client/[version]/logout/all/route";
import * as routeMatrixClientVersionRefresh from "../../app/%5Fmatrix/client/[version]/refresh/route";
import * as routeMatrixClientVersionDevices from "../../app/%5Fmatrix/client/[version]/devices/route";
import * as routeMatrixClientVersionDevicesDeviceid from "../../app/%5Fmatrix/client/[version]/devices/[deviceId]/route";
import * as routeMatrixClientVersionDeleteDevices from "../../app/%5Fmatrix/client/[version]/delete_devices/route";
import * as routeSynapseClientPickIdp from "../../app/%5Fsynapse/client/pick_idp/route";
import * as routeSynapseClientPickUsernameCheck from "../../app/%5Fsynapse/client/pick_username/check/route";
import * as routeSynapseClientOidcCallback from "../../app/%5Fsynapse/client/oidc/callback/route";
import * as routeSynapseClientOidcBackchannelLogout from "../../app/%5Fsynapse/client/oidc/backchannel_logout/route";
import * as routeMatrixClientVersionLoginGetToken from "../../app/%5Fmatrix/client/[version]/login/get_token/route";
import * as routeSynapseAdminV2Users from "../../app/%5Fsynapse/admin/v2/users/route";
import * as routeSynapseAdminV2UsersUserid from "../../app/%5Fsynapse/admin/v2/users/[userId]/route";
import * as routeSynapseAdminV1AuthProvidersUsers from "../../app/%5Fsynapse/admin/v1/auth_providers/[provider]/users/[externalId]/route";
import * as routeSynapseClientThemeAsset from "../../app/%5Fsynapse/client/theme/asset/[assetId]/route";
import * as routeSynapseClientPickUsernameAccountDetails from "../../app/%5Fsynapse/client/pick_username/account_details/route";

// Each route module types its own params ({ assetId: string }, …); the table hands every one the
// segments it matched.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type RouteContext = { params: Promise<any> };
type RouteHandler = (request: Request, context: RouteContext) => Promise<Response> | Response;
type RouteModule = Partial<Record<"GET" | "POST" | "PUT" | "DELETE" | "OPTIONS", RouteHandler>>;

interface DirectRoute {
  /** Path segments; ":name" is a dynamic segment, as the app/ folder's "[name]". */
  segments: string[];
  module: RouteModule;
  /** The methods answered here when not all are; the others go to Next.js. */
  methods?: readonly string[];
}

const route = (path: string, module: RouteModule, methods?: readonly string[]): DirectRoute => ({ segments: path.split("/").slice(1), module, methods });

const DIRECT_ROUTES: DirectRoute[] = [
  route("/_matrix/client/versions", routeMatrixClientVersions),
  route("/_matrix/client/:version/login", routeMatrixClientVersionLogin),
  route("/_matrix/client/:version/login/sso/redirect", routeMatrixClientVersionLoginSsoRedirect),
  route("/_matrix/client/:version/login/sso/redirect/:idpId", routeMatrixClientVersionLoginSsoRedirectIdpid),
  route("/_matrix/client/:version/login/cas/redirect", routeMatrixClientVersionLoginCasRedirect),
  route("/_matrix/client/:version/login/cas/ticket", routeMatrixClientVersionLoginCasTicket),
  route("/_matrix/client/:version/account/whoami", routeMatrixClientVersionAccountWhoami),
  route("/_matrix/client/:version/account/password", routeMatrixClientVersionAccountPassword),
  route("/_matrix/client/:version/account/deactivate", routeMatrixClientVersionAccountDeactivate),
  route("/_matrix/client/:version/logout", routeMatrixClientVersionLogout),
  route("/_matrix/client/:version/logout/all", routeMatrixClientVersionLogoutAll),
  route("/_matrix/client/:version/refresh", routeMatrixClientVersionRefresh),
  route("/_matrix/client/:version/devices", routeMatrixClientVersionDevices),
  route("/_matrix/client/:version/devices/:deviceId", routeMatrixClientVersionDevicesDeviceid),
  route("/_matrix/client/:version/delete_devices", routeMatrixClientVersionDeleteDevices),
  route("/_synapse/client/pick_idp", routeSynapseClientPickIdp),
  route("/_synapse/client/pick_username/check", routeSynapseClientPickUsernameCheck),
  route("/_synapse/client/oidc/callback", routeSynapseClientOidcCallback),
  // Not hot, but an OP waits only seconds for its answer (oidc-provider 2.5 s) and does not retry:
  // served by Next.js, the first logout token after a start paid for loading the route's bundle
  // (1.2 s on a quiet machine, more under load), and a sign-out at the OP could end nothing here.
  route("/_synapse/client/oidc/backchannel_logout", routeSynapseClientOidcBackchannelLogout),
  route("/_matrix/client/:version/login/get_token", routeMatrixClientVersionLoginGetToken),
  route("/_synapse/admin/v2/users", routeSynapseAdminV2Users),
  route("/_synapse/admin/v2/users/:userId", routeSynapseAdminV2UsersUserid),
  route("/_synapse/admin/v1/auth_providers/:provider/users/:externalId", routeSynapseAdminV1AuthProvidersUsers),
  route("/_synapse/client/theme/asset/:assetId", routeSynapseClientThemeAsset),
  // The username picker's form is a form endpoint: proxy.ts refuses a cross-site POST to it before
  // the handler runs, so its POST stays with Next.js; a GET passes proxy.ts untouched (it checks only
  // state-changing methods there and adds no headers), so answering it here changes nothing. Served
  // by Next.js, this one page was what loaded Next's route runtime and its own bundle of lib/
  // (~15 MB resident) in a server that otherwise answers everything here.
  route("/_synapse/client/pick_username/account_details", routeSynapseClientPickUsernameAccountDetails, ["GET"]),
];

/** Next.js gives dynamic segments to handlers percent-decoded; a malformed escape stays as it came. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export interface DirectMatch {
  module: RouteModule;
  params: Record<string, string>;
  methods?: readonly string[];
}

/** The direct route serving `pathname`, if any, with its dynamic segments. */
export function matchDirectRoute(pathname: string): DirectMatch | undefined {
  const parts = pathname.split("/").slice(1);
  for (const candidate of DIRECT_ROUTES) {
    if (candidate.segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let matched = true;
    for (let index = 0; index < parts.length; index += 1) {
      const expected = candidate.segments[index];
      if (expected.startsWith(":")) {
        if (parts[index] === "") {
          matched = false;
          break;
        }
        params[expected.slice(1)] = decodeSegment(parts[index]);
      } else if (expected !== parts[index]) {
        matched = false;
        break;
      }
    }
    if (matched) return { module: candidate.module, params, methods: candidate.methods };
  }
  return undefined;
}

export type DirectHandler = (request: Request) => Promise<Response>;

/**
 * The handler of the route for `method`, bound to the matched segments, or undefined when the route
 * module does not serve that method, or does not serve it here (Next.js then answers, as it would
 * have: e.g. HEAD, or the form post of account_details).
 */
export function directHandler(match: DirectMatch, method: string): DirectHandler | undefined {
  if (match.methods && !match.methods.includes(method)) return undefined;
  const handler = match.module[method as keyof RouteModule];
  if (!handler) return undefined;
  return async (request) => handler(request, { params: Promise.resolve(match.params) });
}
