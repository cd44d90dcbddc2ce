// Login tokens (m.login.token): short-lived and single-use, the hand-off from SSO to the client.
import { db } from "../db/client";
import { queryRows, sql } from "../db/direct-sql";
import { MatrixError } from "../matrix/errors";
import { generateToken, hashSecret } from "./secrets";

export interface LoginTokenOrigin {
  authProviderId?: string | null;
  authProviderSessionId?: string | null;
}

export async function createLoginToken(userId: string, lifetimeMs: number, origin: LoginTokenOrigin = {}): Promise<string> {
  const token = generateToken("syl");
  await db().loginToken.create({
    data: {
      tokenHash: hashSecret(token),
      userId,
      expiresAt: new Date(Date.now() + lifetimeMs),
      authProviderId: origin.authProviderId ?? null,
      authProviderSessionId: origin.authProviderSessionId ?? null,
    },
  });
  return token;
}

export interface ConsumedLoginToken {
  userId: string;
  authProviderId: string | null;
  authProviderSessionId: string | null;
  /**
   * The account the token logs in, read by the same statement that used the token up (null if it
   * no longer exists): /login's deactivation check needs no query of its own.
   */
  account: { deactivated: boolean; admin: boolean } | null;
}

interface ConsumedRow extends Record<string, unknown> {
  user_id: string;
  live: unknown;
  auth_provider_id: string | null;
  auth_provider_session_id: string | null;
  deactivated: unknown;
  admin: unknown;
}

/**
 * Marks the token used and reads it in one statement (UPDATE … RETURNING), so two concurrent
 * logins with one token cannot both succeed; a missing, reused or expired token all give the same
 * 403 (as Synapse). Sent straight to the driver adapter (lib/db/direct-sql.ts): this is the hottest
 * statement of a token login. Both databases accept a subquery in RETURNING; the comparison of expiry
 * times is done by the database on the stored values, as the state purge does
 * (lib/maintenance/state-purge.ts).
 */
export async function consumeLoginToken(token: string): Promise<ConsumedLoginToken> {
  const invalid = () => new MatrixError("M_FORBIDDEN", "Invalid login token");
  const now = new Date();
  const rows = await queryRows<ConsumedRow>(
    db(),
    sql`
    UPDATE login_tokens SET used_at = ${now}
    WHERE token_hash = ${hashSecret(token)} AND used_at IS NULL
    RETURNING user_id, expires_at > ${now} AS live, auth_provider_id, auth_provider_session_id,
      (SELECT deactivated FROM users WHERE users.user_id = login_tokens.user_id) AS deactivated,
      (SELECT admin FROM users WHERE users.user_id = login_tokens.user_id) AS admin`,
  );
  const row = rows[0];
  // SQLite answers booleans as 0/1 for computed columns, PostgreSQL as booleans.
  if (!row || !truthy(row.live)) throw invalid();
  return {
    userId: row.user_id,
    authProviderId: row.auth_provider_id,
    authProviderSessionId: row.auth_provider_session_id,
    account: row.deactivated === null || row.deactivated === undefined ? null : { deactivated: truthy(row.deactivated), admin: truthy(row.admin) },
  };
}

function truthy(value: unknown): boolean {
  return value === true || value === 1 || value === 1n || value === "1" || value === "t" || value === "true";
}

/**
 * Who a login token would log in, without using it up (null if unknown, used or expired): the
 * root page's sign-in ends on our own page, which names the account but leaves the token alone,
 * since no GET consumes a credential.
 */
export async function peekLoginTokenUserId(token: string): Promise<string | null> {
  const row = await db().loginToken.findUnique({ where: { tokenHash: hashSecret(token) }, select: { userId: true, usedAt: true, expiresAt: true } });
  if (!row || row.usedAt !== null || row.expiresAt.getTime() <= Date.now()) return null;
  return row.userId;
}
