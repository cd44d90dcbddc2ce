// GET /_synapse/client/pick_idp?redirectUrl=[&idp=] – the identity-provider picker
import { pickIdentityProvider } from "@/lib/sso/redirect";
import { ssoRoute } from "@/lib/sso/sso-route";

export const dynamic = "force-dynamic";
export const GET = ssoRoute(pickIdentityProvider);
