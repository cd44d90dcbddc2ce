// The writes of a login that issues no refresh token — the device, the access token and the
// account's last-login time — as the statements of one batch transaction, so they are written
// together or not at all.
//
// Raw SQL through the same Prisma client, for speed: a token login is little more than these three
// writes and the token's consumption, and Prisma's model API spent about twice the CPU of the same
// statements sent raw (a batch of three model writes ~1.2 ms of CPU against ~0.5 ms raw on this
// machine kind; BENCHMARKS.md, token login). The SQL is the same on SQLite and PostgreSQL
// (INSERT … ON CONFLICT); Prisma's tagged template binds the values and picks each database's
// placeholders. Dates are bound as Date objects, which the adapters store exactly as the model API
// does (so created_at is given, not left to the column's default, which SQLite would write in
// another text format).
import { containsNulCharacter, type Database } from "../db/client";
import { MatrixError } from "../matrix/errors";
import type { newAccessToken } from "./access-tokens";
import { checkDeviceDisplayName, type DeviceOrigin } from "./devices";

type AccessTokenRow = ReturnType<typeof newAccessToken>["row"];

/**
 * The three statements, not yet run: `database.$transaction(loginWrites(…))` runs them. Throws at
 * once, before anything is written, for a display name that is too long (as upsertDevice) or a
 * value holding a NUL character (as every model query does, lib/db/client.ts: raw statements do not
 * pass through that check, and PostgreSQL would fail on such text with a 500).
 */
export function loginWrites(database: Database, userId: string, deviceId: string, device: DeviceOrigin, accessToken: AccessTokenRow) {
  checkDeviceDisplayName(device.displayName);
  // Every column of newAccessToken's row is written below; a field added to that row without a
  // column here fails to compile rather than being dropped silently.
  const { tokenHash, userId: tokenUserId, deviceId: tokenDeviceId, expiresAt, ...unwritten } = accessToken;
  const nothingLeft: Record<string, never> = unwritten;
  if (containsNulCharacter([userId, deviceId, device, tokenUserId, tokenDeviceId, nothingLeft])) {
    throw new MatrixError("M_INVALID_PARAM", "Strings may not contain NUL characters");
  }
  const now = new Date();
  const ip = device.clientIp ?? null;
  return [
    // An existing device of the user's is reused with its display name kept (as in Synapse and upsertDevice).
    database.$executeRaw`
      INSERT INTO devices (user_id, device_id, display_name, created_at, last_seen_at, last_seen_ip, auth_provider_id, auth_provider_session_id)
      VALUES (${userId}, ${deviceId}, ${device.displayName ?? null}, ${now}, ${now}, ${ip}, ${device.authProviderId ?? null}, ${device.authProviderSessionId ?? null})
      ON CONFLICT (user_id, device_id) DO UPDATE SET last_seen_at = excluded.last_seen_at, last_seen_ip = excluded.last_seen_ip`,
    database.$executeRaw`
      INSERT INTO access_tokens (token_hash, user_id, device_id, created_at, expires_at)
      VALUES (${tokenHash}, ${tokenUserId}, ${tokenDeviceId}, ${now}, ${expiresAt})`,
    database.$executeRaw`UPDATE users SET last_login_at = ${now} WHERE user_id = ${userId}`,
  ];
}
