// POST /_matrix/client/{r0,v3}/delete_devices – remove several devices (user-interactive auth)
import { deleteDevicesInBulk } from "@/lib/auth/device-management";
import { matrixEndpoint } from "@/lib/matrix/route";

export const dynamic = "force-dynamic";
export const { GET, POST, PUT, DELETE, OPTIONS } = matrixEndpoint({ POST: deleteDevicesInBulk });
