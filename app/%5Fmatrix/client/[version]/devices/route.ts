// GET /_matrix/client/{r0,v3}/devices – the user's devices
import { listDevices } from "@/lib/auth/device-management";
import { matrixEndpoint } from "@/lib/matrix/route";

export const dynamic = "force-dynamic";
export const { GET, POST, PUT, DELETE, OPTIONS } = matrixEndpoint({ GET: listDevices });
