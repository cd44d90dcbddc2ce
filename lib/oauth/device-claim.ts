// Which device an OAuth login may name. The client chooses the device ID (MSC2967), so a client
// could name a device of the person's other sessions — one logged in by /login or by another app —
// and receive what is sent to that device (to-device messages, encryption keys). A device ID that
// already exists may only be named again by the client whose OAuth session it is (its re-login).
import { db } from "../db/client";

export async function deviceMayBeClaimed(userId: string, deviceId: string, clientId: string): Promise<boolean> {
  const device = await db().device.findUnique({ where: { userId_deviceId: { userId, deviceId } }, select: { deviceId: true } });
  if (!device) return true;
  const sessions = await db().oAuthObject.findMany({
    where: { userId, deviceId, model: { in: ["AccessToken", "RefreshToken"] } },
    select: { payload: true },
    take: 20,
  });
  return sessions.some((row) => (JSON.parse(row.payload) as { clientId?: unknown }).clientId === clientId);
}
