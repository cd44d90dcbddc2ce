// GET /_synapse/admin/v2/users?from=&limit=&name= – list accounts (admin token)
import { listUsersApi } from "@/lib/admin/admin-api";
import { matrixEndpoint } from "@/lib/matrix/route";

export const dynamic = "force-dynamic";
export const { GET, POST, PUT, DELETE, OPTIONS } = matrixEndpoint({ GET: listUsersApi });
