// GET /_synapse/admin/v2/users/{userId} – one account with its external IDs (admin token)
// PUT /_synapse/admin/v2/users/{userId} – create or update it (admin token)
import { getUser, putUser } from "@/lib/admin/admin-api";
import { matrixEndpoint } from "@/lib/matrix/route";

export const dynamic = "force-dynamic";
export const { GET, POST, PUT, DELETE, OPTIONS } = matrixEndpoint({ GET: getUser, PUT: putUser });
