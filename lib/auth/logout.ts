// POST /logout and /logout/all (Synapse's LogoutRestServlet / LogoutAllRestServlet).
import { db } from "../db/client";
import type { MatrixRequest } from "../matrix/route";
import { accessTokenOf, authenticateRequest } from "./access-tokens";
import { deleteAllDevicesAndTokens, deleteDevices, type DeletedToken } from "./devices";
import { notifyLoggedOut } from "./logged-out";

/** Logs out this token: its whole device when it has one, else only the token. Expired tokens may log out. */
export async function logOut({ request }: MatrixRequest): Promise<object> {
  const requester = await authenticateRequest(request, { allowExpired: true });
  let deleted: DeletedToken[];
  if (requester.deviceId !== null) {
    deleted = await deleteDevices(requester.userId, [requester.deviceId]);
  } else {
    await db().accessToken.deleteMany({ where: { id: requester.tokenId } });
    deleted = [{ userId: requester.userId, deviceId: null, tokenHash: requester.tokenHash }];
  }
  await notifyLoggedOut(deleted, { presentedToken: accessTokenOf(request) });
  return {};
}

export async function logOutEverywhere({ request }: MatrixRequest): Promise<object> {
  const requester = await authenticateRequest(request, { allowExpired: true });
  await notifyLoggedOut(await deleteAllDevicesAndTokens(requester.userId), { presentedToken: accessTokenOf(request) });
  return {};
}
