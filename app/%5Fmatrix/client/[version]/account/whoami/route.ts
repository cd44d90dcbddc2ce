// GET /_matrix/client/{r0,v3}/account/whoami – who the access token belongs to
import { whoAmI } from "@/lib/auth/whoami";
import { matrixEndpoint } from "@/lib/matrix/route";

export const dynamic = "force-dynamic";
export const { GET, POST, PUT, DELETE, OPTIONS } = matrixEndpoint({ GET: whoAmI });
