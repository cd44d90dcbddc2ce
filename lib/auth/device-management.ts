// The devices API (Synapse's DevicesRestServlet, DeviceRestServlet, DeleteDevicesRestServlet):
// listing and renaming need only the access token; deleting needs user-interactive auth.
import { db } from "../db/client";
import { MatrixError } from "../matrix/errors";
import type { MatrixRequest } from "../matrix/route";
import { parseMatrixBody } from "../matrix/request-body";
import { deleteDevicesBodySchema, jsonObjectBodySchema, renameDeviceBodySchema } from "../matrix/request-bodies";
import { authenticateRequest } from "./access-tokens";
import { checkDeviceDisplayName, deleteDevices } from "./devices";
import { notifyLoggedOut } from "./logged-out";
import { requireUiAuth } from "./ui-auth/check-ui-auth";

function deviceJson(device: { userId: string; deviceId: string; displayName: string | null; lastSeenAt: Date | null; lastSeenIp: string | null }) {
  return {
    user_id: device.userId,
    device_id: device.deviceId,
    display_name: device.displayName,
    last_seen_ts: device.lastSeenAt?.getTime() ?? null,
    last_seen_ip: device.lastSeenIp,
  };
}

export async function listDevices({ request }: MatrixRequest): Promise<object> {
  const { userId } = await authenticateRequest(request);
  const devices = await db().device.findMany({ where: { userId }, orderBy: { createdAt: "asc" } });
  return { devices: devices.map(deviceJson) };
}

async function ownDevice(userId: string, deviceId: string) {
  const device = await db().device.findUnique({ where: { userId_deviceId: { userId, deviceId } } });
  if (!device) throw new MatrixError("M_NOT_FOUND", "No device found");
  return device;
}

export async function getDevice({ request, params }: MatrixRequest): Promise<object> {
  const { userId } = await authenticateRequest(request);
  return deviceJson(await ownDevice(userId, params.deviceId));
}

export async function renameDevice({ request, params, json }: MatrixRequest): Promise<object> {
  const { userId } = await authenticateRequest(request);
  const body = parseMatrixBody(renameDeviceBodySchema, await json());
  // Synapse's update_device checks the length before it looks for the device.
  checkDeviceDisplayName(body.display_name);
  await ownDevice(userId, params.deviceId);
  if (typeof body.display_name === "string") {
    await db().device.update({ where: { userId_deviceId: { userId, deviceId: params.deviceId } }, data: { displayName: body.display_name } });
  }
  return {};
}

async function bodyOf(request: Request, json: () => Promise<unknown>): Promise<Record<string, unknown>> {
  // DELETE /devices/{id} may come without a body on the first, UI-auth-less call.
  const length = request.headers.get("content-length");
  if (request.method === "DELETE" && (length === null || length === "0") && !request.headers.get("transfer-encoding")) return {};
  return parseMatrixBody(jsonObjectBodySchema, await json());
}

/** DELETE /devices/{deviceId} */
export async function deleteDevice({ request, url, params, json }: MatrixRequest): Promise<object> {
  const requester = await authenticateRequest(request);
  const body = await bodyOf(request, json);
  await ownDevice(requester.userId, params.deviceId);
  await requireUiAuth({ requester, method: "DELETE", uri: url.pathname, body, description: "remove a device from your account", canSkipUiAuth: true });
  await notifyLoggedOut(await deleteDevices(requester.userId, [params.deviceId]));
  return {};
}

/** POST /delete_devices {devices: [...], auth} */
export async function deleteDevicesInBulk({ request, url, json }: MatrixRequest): Promise<object> {
  const requester = await authenticateRequest(request);
  const body = parseMatrixBody(deleteDevicesBodySchema, await json());
  await requireUiAuth({ requester, method: "POST", uri: url.pathname, body, description: "remove device(s) from your account", canSkipUiAuth: true });
  await notifyLoggedOut(await deleteDevices(requester.userId, body.devices));
  return {};
}
