// POST /_matrix/client/{r0,v3}/account/deactivate – deactivate the account (user-interactive auth)
import { deactivateAccount } from "@/lib/auth/account/account-operations";
import { matrixEndpoint } from "@/lib/matrix/route";

export const dynamic = "force-dynamic";
export const { GET, POST, PUT, DELETE, OPTIONS } = matrixEndpoint({ POST: deactivateAccount });
