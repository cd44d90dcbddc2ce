// GET /_matrix/client/{r0,v3}/devices/{deviceId} – one device
// PUT /_matrix/client/{r0,v3}/devices/{deviceId} – rename it
// DELETE /_matrix/client/{r0,v3}/devices/{deviceId} – remove it (user-interactive auth)
import { deleteDevice, getDevice, renameDevice } from "@/lib/auth/device-management";
import { matrixEndpoint } from "@/lib/matrix/route";

export const dynamic = "force-dynamic";
export const { GET, POST, PUT, DELETE, OPTIONS } = matrixEndpoint({ GET: getDevice, PUT: renameDevice, DELETE: deleteDevice });
