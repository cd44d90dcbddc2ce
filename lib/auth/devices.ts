// Devices, and the tokens tied to them.
import { db, type Database, type Transaction } from "../db/client";
import { MatrixError } from "../matrix/errors";
import { randomUppercaseLetters } from "./secrets";

/** Synapse's MAX_DEVICE_DISPLAY_NAME_LEN (synapse/handlers/device.py), in code points as Python counts. */
export const MAX_DEVICE_DISPLAY_NAME_LENGTH = 100;

/**
 * Refuses a display name longer than Synapse allows, with Synapse's error: 400 M_TOO_LARGE "Device
 * display name is too long (max 100)" (its _check_device_name_length, for a new device at login and
 * for a rename alike). Status 400, not the 413 that M_TOO_LARGE has for an over-long request body.
 */
export function checkDeviceDisplayName(name: string | null | undefined): void {
  if (!name || name.length <= MAX_DEVICE_DISPLAY_NAME_LENGTH) return;
  if ([...name].length > MAX_DEVICE_DISPLAY_NAME_LENGTH) {
    throw new MatrixError("M_TOO_LARGE", `Device display name is too long (max ${MAX_DEVICE_DISPLAY_NAME_LENGTH})`, {}, 400);
  }
}

export interface DeviceOrigin {
  displayName?: string | null;
  clientIp?: string;
  authProviderId?: string | null;
  authProviderSessionId?: string | null;
}

/** A new device ID: 10 random capital letters, as Synapse's. */
export function newDeviceId(): string {
  return randomUppercaseLetters(10);
}

/**
 * The statement that makes sure the device exists for the user: an existing device of theirs is
 * reused (its display name is kept, as in Synapse), otherwise it is created. Not yet run: the caller
 * awaits it or puts it in a batch transaction with the rest of a login's writes. Throws at once for
 * a display name that is too long (checked whether or not the device exists, as in Synapse).
 */
export function upsertDevice(client: Transaction | Database, userId: string, deviceId: string, origin: DeviceOrigin) {
  checkDeviceDisplayName(origin.displayName);
  const now = new Date();
  return client.device.upsert({
    where: { userId_deviceId: { userId, deviceId } },
    update: { lastSeenAt: now, lastSeenIp: origin.clientIp ?? null },
    create: {
      userId,
      deviceId,
      displayName: origin.displayName ?? null,
      lastSeenAt: now,
      lastSeenIp: origin.clientIp ?? null,
      authProviderId: origin.authProviderId ?? null,
      authProviderSessionId: origin.authProviderSessionId ?? null,
    },
    select: { deviceId: true },
  });
}

/**
 * The OAuth 2.0 sessions (lib/oauth) on the devices going: every stored object of their grants
 * (refresh tokens, access tokens, codes). Without this, a refresh token was refused only while its
 * device was missing, and worked again once a /login named the same device ID.
 */
async function revokeOAuthGrantsOn(tx: Transaction, userId: string, deviceFilter: { deviceId?: { in: string[] } | { not: string } }): Promise<void> {
  const rows = await tx.oAuthObject.findMany({
    where: { userId, ...deviceFilter, grantId: { not: null } },
    select: { grantId: true },
  });
  const grantIds = [...new Set(rows.map((row) => row.grantId!))];
  if (grantIds.length > 0) await tx.oAuthObject.deleteMany({ where: { grantId: { in: grantIds } } });
}

export interface DeletedToken {
  userId: string;
  deviceId: string | null;
  tokenHash: string;
}

/**
 * Deletes devices with every access and refresh token on them. Returns the access tokens that
 * went, so that on_logged_out callbacks can be told (Synapse calls them per deleted token).
 */
export async function deleteDevices(userId: string, deviceIds: string[]): Promise<DeletedToken[]> {
  return db().$transaction(async (tx) => {
    const tokens = await tx.accessToken.findMany({
      where: { userId, deviceId: { in: deviceIds } },
      select: { userId: true, deviceId: true, tokenHash: true },
    });
    await tx.accessToken.deleteMany({ where: { userId, deviceId: { in: deviceIds } } });
    await tx.refreshToken.deleteMany({ where: { userId, deviceId: { in: deviceIds } } });
    await revokeOAuthGrantsOn(tx, userId, { deviceId: { in: deviceIds } });
    await tx.device.deleteMany({ where: { userId, deviceId: { in: deviceIds } } });
    return tokens;
  });
}

/**
 * Every device and token of the user (logout/all, password change, deactivation), except — for a
 * password change — the device and token of the session making the change.
 */
export async function deleteAllDevicesAndTokens(
  userId: string,
  exceptDeviceId?: string,
  exceptTokenId?: number,
): Promise<DeletedToken[]> {
  return db().$transaction(async (tx) => {
    const deviceFilter = exceptDeviceId === undefined ? {} : { deviceId: { not: exceptDeviceId } };
    // Device-less tokens go too; `not` alone would skip them (NULL compares as unknown in SQL).
    const tokenFilter = {
      ...(exceptDeviceId === undefined ? {} : { OR: [{ deviceId: null }, { deviceId: { not: exceptDeviceId } }] }),
      ...(exceptTokenId === undefined ? {} : { id: { not: exceptTokenId } }),
    };
    const tokens = await tx.accessToken.findMany({
      where: { userId, ...tokenFilter },
      select: { userId: true, deviceId: true, tokenHash: true },
    });
    await tx.accessToken.deleteMany({ where: { userId, ...tokenFilter } });
    await tx.refreshToken.deleteMany({ where: { userId, ...deviceFilter } });
    await revokeOAuthGrantsOn(tx, userId, deviceFilter);
    await tx.device.deleteMany({ where: { userId, ...deviceFilter } });
    return tokens;
  });
}
