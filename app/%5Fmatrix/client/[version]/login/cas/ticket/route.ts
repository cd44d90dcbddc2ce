// GET /_matrix/client/{r0,v3}/login/cas/ticket?ticket=&redirectUrl= – the CAS server sends the browser back here
import { matrixEndpoint } from "@/lib/matrix/route";
import { handleCasTicket } from "@/lib/sso/providers/cas/cas-flow";

export const dynamic = "force-dynamic";
export const { GET, POST, PUT, DELETE, OPTIONS } = matrixEndpoint({ GET: handleCasTicket });
