// GET /_matrix/client/{r0,v3}/login – the login flows this server offers
// POST /_matrix/client/{r0,v3}/login – exchange credentials for an access token
import { listLoginFlows, logIn } from "@/lib/auth/login";
import { matrixEndpoint } from "@/lib/matrix/route";

export const dynamic = "force-dynamic";
export const { GET, POST, PUT, DELETE, OPTIONS } = matrixEndpoint({ GET: () => listLoginFlows(), POST: logIn });
