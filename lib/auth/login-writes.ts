// The writes of a login that issues no refresh token — the device, the access token and the
// account's last-login time — as the statements of one transaction, so they are written together
// or not at all.
//
// Sent straight to the Prisma client's driver adapter (lib/db/direct-sql.ts), for speed: a token
// login is little more than these three writes and the token's consumption, and Prisma's model API
// spent about twice the CPU of the same statements sent raw, and raw statements through the client
// still twice that of the adapter (BENCHMARKS.md, token login). The SQL is the same on SQLite and
// PostgreSQL (INSERT … ON CONFLICT). Dates are bound as Date objects, which the adapters store
// exactly as the model API does (so created_at is given, not left to the column's default, which
// SQLite would write in another text format).
import { sql, type SqlStatement } from "../db/direct-sql";
import type { newAccessToken } from "./access-tokens";
import { checkDeviceDisplayName, type DeviceOrigin } from "./devices";

type AccessTokenRow = ReturnType<typeof newAccessToken>["row"];

/**
 * The three statements, not yet run: `runInTransaction(database, loginWrites(…))` runs them. Throws
 * at once, before anything is written, for a display name that is too long (as upsertDevice);
 * runInTransaction refuses a value holding a NUL character, as every model query does.
 */
export function loginWrites(userId: string, deviceId: string, device: DeviceOrigin, accessToken: AccessTokenRow): SqlStatement[] {
  checkDeviceDisplayName(device.displayName);
  // Every column of newAccessToken's row is written below; a field added to that row without a
  // column here fails to compile rather than being dropped silently.
  const { tokenHash, userId: tokenUserId, deviceId: tokenDeviceId, expiresAt, ...unwritten } = accessToken;
  const nothingLeft: Record<string, never> = unwritten;
  void nothingLeft;
  const now = new Date();
  const ip = device.clientIp ?? null;
  return [
    // An existing device of the user's is reused with its display name kept (as in Synapse and upsertDevice).
    sql`
      INSERT INTO devices (user_id, device_id, display_name, created_at, last_seen_at, last_seen_ip, auth_provider_id, auth_provider_session_id)
      VALUES (${userId}, ${deviceId}, ${device.displayName ?? null}, ${now}, ${now}, ${ip}, ${device.authProviderId ?? null}, ${device.authProviderSessionId ?? null})
      ON CONFLICT (user_id, device_id) DO UPDATE SET last_seen_at = excluded.last_seen_at, last_seen_ip = excluded.last_seen_ip`,
    sql`
      INSERT INTO access_tokens (token_hash, user_id, device_id, created_at, expires_at)
      VALUES (${tokenHash}, ${tokenUserId}, ${tokenDeviceId}, ${now}, ${expiresAt})`,
    sql`UPDATE users SET last_login_at = ${now} WHERE user_id = ${userId}`,
  ];
}
