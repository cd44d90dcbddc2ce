// POST /_matrix/client/v1/login/get_token – a login token for another device, from this session
// (only with login_via_existing_session.enabled; UI auth first)
import { loginTokenRequestHandlers } from "@/lib/auth/request-login-token";
import { matrixEndpoint } from "@/lib/matrix/route";

export const dynamic = "force-dynamic";
export const { GET, POST, PUT, DELETE, OPTIONS } = matrixEndpoint(loginTokenRequestHandlers, { versions: ["v1"] });
