// What the account page changes, each a named function over the data layer (the page's handler,
// lib/account/account-page.ts, decides who may do what and when).
import { deactivateUser } from "../auth/account/deactivate-user";
import { deleteAllDevicesAndTokens, deleteDevices } from "../auth/devices";
import { notifyLoggedOut } from "../auth/logged-out";
import type { HomeserverConfig } from "../config/schema";
import { db } from "../db/client";
import { findUserIdByExternalId, linkExternalId } from "../users/users";
import { signInMethodsOf } from "./account-data";

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

/** Removes a link whatever is left (the admin console's unlink: an administrator's decision). */
export async function unlinkIdentity(userId: string, idpId: string, externalId: string): Promise<boolean> {
  const { count } = await db().userExternalId.deleteMany({ where: { userId, authProvider: idpId, externalId } });
  return count === 1;
}

export type UnlinkOutcome = "unlinked" | "last_method" | "no_such_link";

/**
 * The person's own unlink: removes the link unless it is their last way to sign in. The check and
 * the delete are one transaction that first writes the account's row (a no-op write): two unlinks at
 * once (two tabs, a double submit) would otherwise each count the other's link as still there, and
 * remove the last two together. The write is what makes the second wait until the first is
 * committed, on both databases: PostgreSQL (READ COMMITTED) holds the row lock until commit and gives
 * each later statement a fresh view; SQLite lets one writer at a time, and this transaction reads
 * nothing before its write. Plain SQL, the same on both, as Prisma has no "lock this row".
 */
export async function unlinkIdentityUnlessLast(userId: string, idpId: string, externalId: string, config: HomeserverConfig): Promise<UnlinkOutcome> {
  return db().$transaction(async (tx) => {
    const locked = await tx.$executeRaw`UPDATE users SET admin = admin WHERE user_id = ${userId}`;
    if (locked !== 1) return "no_such_link";
    const account = await tx.user.findUnique({
      where: { userId },
      select: { passwordHash: true, externalIds: { select: { authProvider: true, externalId: true } } },
    });
    const links = account?.externalIds ?? [];
    const isThisLink = (link: { authProvider: string; externalId: string }) => link.authProvider === idpId && link.externalId === externalId;
    if (!account || !links.some(isThisLink)) return "no_such_link";
    if (signInMethodsOf({ passwordHash: account.passwordHash, externalIds: links.filter((link) => !isThisLink(link)) }, config) === 0) return "last_method";
    const { count } = await tx.userExternalId.deleteMany({ where: { userId, authProvider: idpId, externalId } });
    return count === 1 ? "unlinked" : "no_such_link";
  });
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
