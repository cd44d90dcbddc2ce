// POST /_matrix/client/{r0,v3}/refresh – exchange a refresh token for a new token pair
import { refreshTokens } from "@/lib/auth/refresh";
import { matrixEndpoint } from "@/lib/matrix/route";

export const dynamic = "force-dynamic";
export const { GET, POST, PUT, DELETE, OPTIONS } = matrixEndpoint({ POST: refreshTokens });
