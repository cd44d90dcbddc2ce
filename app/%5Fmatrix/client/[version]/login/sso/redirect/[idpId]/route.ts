// GET /_matrix/client/{r0,v3}/login/sso/redirect/{idpId}?redirectUrl= – start SSO at a chosen IdP
import { matrixEndpoint } from "@/lib/matrix/route";
import { handleSsoRedirect } from "@/lib/sso/redirect";

export const dynamic = "force-dynamic";
export const { GET, POST, PUT, DELETE, OPTIONS } = matrixEndpoint({ GET: handleSsoRedirect });
