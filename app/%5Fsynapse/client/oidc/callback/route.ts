// GET|POST /_synapse/client/oidc/callback – where the OpenID Provider sends the browser back
import { handleOidcCallback } from "@/lib/sso/providers/oidc/oidc-flow";
import { ssoRoute } from "@/lib/sso/sso-route";

export const dynamic = "force-dynamic";
export const GET = ssoRoute(handleOidcCallback);
export const POST = ssoRoute(handleOidcCallback);
