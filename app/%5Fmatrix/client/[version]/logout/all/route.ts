// POST /_matrix/client/{r0,v3}/logout/all – invalidate every access token and device of the user
import { logOutEverywhere } from "@/lib/auth/logout";
import { matrixEndpoint } from "@/lib/matrix/route";

export const dynamic = "force-dynamic";
export const { GET, POST, PUT, DELETE, OPTIONS } = matrixEndpoint({ POST: logOutEverywhere });
