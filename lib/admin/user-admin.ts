// User administration, shared by the admin API and the admin console: look-ups, updates,
// deactivation and external-ID links.
import { hashPassword } from "../auth/passwords";
import { deleteAllDevicesAndTokens } from "../auth/devices";
import { notifyLoggedOut } from "../auth/logged-out";
import { getConfig } from "../config/load-config";
import { db } from "../db/client";
import { MatrixError } from "../matrix/errors";
import { isLocalUserId, localpartOf } from "../matrix/identifiers";
import { createUser } from "../users/users";

export interface UserDetails {
  userId: string;
  displayName: string | null;
  admin: boolean;
  deactivated: boolean;
  createdAt: Date;
  lastLoginAt: Date | null;
  consentVersion: string | null;
  consentTs: Date | null;
  hasPassword: boolean;
  externalIds: { authProvider: string; externalId: string }[];
  threepids: { medium: string; address: string; addedAt: Date; validatedAt: Date }[];
  devices: { deviceId: string; displayName: string | null; lastSeenAt: Date | null; lastSeenIp: string | null }[];
}

export async function findUserDetails(userId: string): Promise<UserDetails | null> {
  const user = await db().user.findUnique({
    where: { userId },
    include: { externalIds: true, threepids: true, devices: { orderBy: { createdAt: "asc" } } },
  });
  if (!user) return null;
  return {
    userId: user.userId,
    displayName: user.displayName,
    admin: user.admin,
    deactivated: user.deactivated,
    createdAt: user.createdAt,
    lastLoginAt: user.lastLoginAt,
    consentVersion: user.consentVersion,
    consentTs: user.consentTs,
    hasPassword: user.passwordHash !== null,
    externalIds: user.externalIds.map(({ authProvider, externalId }) => ({ authProvider, externalId })),
    threepids: user.threepids.map(({ medium, address, addedAt, validatedAt }) => ({ medium, address, addedAt, validatedAt })),
    devices: user.devices.map(({ deviceId, displayName, lastSeenAt, lastSeenIp }) => ({ deviceId, displayName, lastSeenAt, lastSeenIp })),
  };
}

export interface UserListQuery {
  from: number;
  limit: number;
  /** Matches the user ID or display name, case-insensitively. */
  name?: string;
}

export async function listUsers({ from, limit, name }: UserListQuery) {
  const where = name
    ? { OR: [{ userIdLower: { contains: name.toLowerCase() } }, { displayName: { contains: name } }] }
    : {};
  const [users, total] = await Promise.all([
    db().user.findMany({ where, orderBy: { userIdLower: "asc" }, skip: from, take: limit }),
    db().user.count({ where }),
  ]);
  return { users, total };
}

export async function setDeactivated(userId: string, deactivated: boolean): Promise<void> {
  await db().user.update({ where: { userId }, data: { deactivated } });
  if (deactivated) await notifyLoggedOut(await deleteAllDevicesAndTokens(userId));
}

export async function removeExternalId(userId: string, authProvider: string, externalId: string): Promise<void> {
  await db().userExternalId.deleteMany({ where: { userId, authProvider, externalId } });
}

export interface UserUpdate {
  displayname?: string | null;
  admin?: boolean;
  deactivated?: boolean;
  password?: string;
  logout_devices?: boolean;
  external_ids?: { auth_provider: string; external_id: string }[];
  threepids?: { medium: string; address: string }[];
}

/**
 * A third-party ID as it is stored and looked up at login: e-mail addresses trimmed and lower-cased
 * (as findUserIdByThreepid and the m.id.thirdparty login compare them), other media as given.
 * Synapse refuses an address it cannot split into local part and domain.
 */
export function canonicalThreepid(medium: string, address: string): { medium: string; address: string } {
  if (medium !== "email") return { medium, address };
  const canonical = address.trim().toLowerCase();
  if (canonical.split("@").length !== 2) throw new MatrixError("M_INVALID_PARAM", "Unable to parse email address");
  return { medium, address: canonical };
}

/**
 * Synapse's PUT /_synapse/admin/v2/users/{userId}: creates the user if it does not exist, else
 * updates what the body names. `external_ids` replaces the user's links; a link held by another
 * user is refused (409), as Synapse does. `threepids` replaces the user's third-party IDs.
 */
export async function upsertUser(userId: string, update: UserUpdate): Promise<{ created: boolean }> {
  const config = getConfig();
  if (!isLocalUserId(userId, config.server_name)) throw new MatrixError("M_INVALID_PARAM", "This endpoint can only be used with local users");
  const rules = { serverName: config.server_name, allowUnderscorePrefix: config.allow_underscore_prefixed_localpart };
  const passwordHash =
    update.password === undefined ? undefined : await hashPassword(update.password, { pepper: config.password_config.pepper, rounds: config.bcrypt_rounds });

  // Checked before anything is written: a bad address must not leave a half-made user behind.
  const threepids = update.threepids?.map(({ medium, address }) => canonicalThreepid(medium, address));

  let created = false;
  if (!(await db().user.findUnique({ where: { userId } }))) {
    await createUser({ localpart: localpartOf(userId), passwordHash: passwordHash ?? null, admin: update.admin, displayName: update.displayname ?? null }, rules);
    created = true;
  }
  if (update.external_ids) {
    for (const link of update.external_ids) {
      const holder = await db().userExternalId.findUnique({
        where: { authProvider_externalId: { authProvider: link.auth_provider, externalId: link.external_id } },
      });
      if (holder && holder.userId !== userId) throw new MatrixError("M_UNKNOWN", "External id is already in use.", {}, 409);
    }
  }
  await db().$transaction(async (tx) => {
    await tx.user.update({
      where: { userId },
      data: {
        ...(update.displayname !== undefined ? { displayName: update.displayname } : {}),
        ...(update.admin !== undefined ? { admin: update.admin } : {}),
        ...(update.deactivated !== undefined ? { deactivated: update.deactivated } : {}),
        ...(passwordHash !== undefined && !created ? { passwordHash } : {}),
      },
    });
    if (threepids) {
      // Synapse replaces the set: removes what is no longer listed, adds what is new (dated now),
      // keeps the rest with its dates. An address bound to someone else moves to this user, as
      // Synapse's user_add_threepid upsert does.
      const current = await tx.threePid.findMany({ where: { userId }, select: { medium: true, address: true } });
      const key = (threepid: { medium: string; address: string }) => `${threepid.medium}\u0000${threepid.address}`;
      const wanted = new Map(threepids.map((threepid) => [key(threepid), threepid]));
      const kept = new Set(current.map(key));
      for (const threepid of current) {
        if (!wanted.has(key(threepid))) await tx.threePid.delete({ where: { medium_address: threepid } });
      }
      const now = new Date();
      for (const threepid of wanted.values()) {
        if (kept.has(key(threepid))) continue;
        await tx.threePid.upsert({
          where: { medium_address: threepid },
          create: { ...threepid, userId, addedAt: now, validatedAt: now },
          update: { userId, addedAt: now, validatedAt: now },
        });
      }
    }
    if (update.external_ids) {
      await tx.userExternalId.deleteMany({ where: { userId } });
      for (const link of update.external_ids) {
        await tx.userExternalId.create({ data: { userId, authProvider: link.auth_provider, externalId: link.external_id } });
      }
    }
  });
  if (update.deactivated === true || (update.password !== undefined && !created && update.logout_devices !== false)) {
    await notifyLoggedOut(await deleteAllDevicesAndTokens(userId));
  }
  return { created };
}
