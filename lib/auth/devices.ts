// Devices, and the tokens tied to them.
import { db, type Database, type Transaction } from "../db/client";
import { randomUppercaseLetters } from "./secrets";

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
 * awaits it or puts it in a batch transaction with the rest of a login's writes.
 */
export function upsertDevice(client: Transaction | Database, userId: string, deviceId: string, origin: DeviceOrigin) {
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
    await tx.device.deleteMany({ where: { userId, ...deviceFilter } });
    return tokens;
  });
}
