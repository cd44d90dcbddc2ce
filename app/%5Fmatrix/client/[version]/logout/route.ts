// POST /_matrix/client/{r0,v3}/logout – invalidate this access token and its device
import { logOut } from "@/lib/auth/logout";
import { matrixEndpoint } from "@/lib/matrix/route";

export const dynamic = "force-dynamic";
export const { GET, POST, PUT, DELETE, OPTIONS } = matrixEndpoint({ POST: logOut });
