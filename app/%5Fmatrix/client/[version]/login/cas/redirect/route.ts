// GET /_matrix/client/{r0,v3}/login/cas/redirect?redirectUrl= – legacy name of /login/sso/redirect (same IdP choice)
import { matrixEndpoint } from "@/lib/matrix/route";
import { handleSsoRedirect } from "@/lib/sso/redirect";

export const dynamic = "force-dynamic";
export const { GET, POST, PUT, DELETE, OPTIONS } = matrixEndpoint({ GET: handleSsoRedirect });
