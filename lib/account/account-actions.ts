// What the account page changes, each a named function over the data layer (the page's handler,
// lib/account/account-page.ts, decides who may do what and when).
import { deactivateUser } from "../auth/account/deactivate-user";
import { deleteAllDevicesAndTokens, deleteDevices } from "../auth/devices";
import { notifyLoggedOut } from "../auth/logged-out";
import { db } from "../db/client";
import { findUserIdByExternalId, linkExternalId } from "../users/users";

/** Synapse's MAX_DISPLAYNAME_LEN. */
export const MAX_DISPLAY_NAME_LENGTH = 256;

/** Sets (or, when blank, clears) the display name; returns false when it is too long. */
export async function setDisplayName(userId: string, name: string): Promise<boolean> {
  const trimmed = name.trim();
  if (trimmed.length > MAX_DISPLAY_NAME_LENGTH) return false;
  await db().user.update({ where: { userId }, data: { displayName: trimmed === "" ? null : trimmed } });
  return true;
}

/** Signs one device out (its access and refresh tokens go with it); false when it was not this user's. */
export async function signOutDevice(userId: string, deviceId: string): Promise<boolean> {
  const exists = await db().device.findUnique({ where: { userId_deviceId: { userId, deviceId } }, select: { deviceId: true } });
  if (!exists) return false;
  await notifyLoggedOut(await deleteDevices(userId, [deviceId]));
  return true;
}

/**
 * "Sign out everywhere else": every device (the account page itself is not a device) and every
 * other browser session of the user; the browser that asked stays signed in.
 */
export async function signOutEverywhereElse(userId: string, keepWebSessionId: string): Promise<void> {
  await notifyLoggedOut(await deleteAllDevicesAndTokens(userId));
  await db().webSession.deleteMany({ where: { userId, id: { not: keepWebSessionId } } });
}

export async function unlinkIdentity(userId: string, idpId: string, externalId: string): Promise<boolean> {
  const { count } = await db().userExternalId.deleteMany({ where: { userId, authProvider: idpId, externalId } });
  return count === 1;
}

export type LinkOutcome = "linked" | "already_linked" | "taken";

/** Attaches an upstream identity to the user, unless it already belongs to someone else (that link stands). */
export async function linkIdentity(userId: string, idpId: string, remoteUserId: string): Promise<LinkOutcome> {
  const owner = await findUserIdByExternalId(idpId, remoteUserId);
  if (owner === userId) return "already_linked";
  if (owner !== null) return "taken";
  return (await linkExternalId(idpId, remoteUserId, userId)) === userId ? "linked" : "taken";
}

export { deactivateUser };
export { revokeOAuthConsent as forgetAllowedApp } from "../oauth/consents";
