// Login tokens (m.login.token): short-lived and single-use, the hand-off from SSO to the client.
import { db, isRecordNotFound } from "../db/client";
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
}

/**
 * Marks the token used and reads it in one statement (UPDATE … RETURNING), so two concurrent
 * logins with one token cannot both succeed; a missing, reused or expired token all give the same
 * 403 (as Synapse).
 */
export async function consumeLoginToken(token: string): Promise<ConsumedLoginToken> {
  const invalid = () => new MatrixError("M_FORBIDDEN", "Invalid login token");
  const now = new Date();
  let row: ConsumedLoginToken & { expiresAt: Date };
  try {
    row = await db().loginToken.update({
      where: { tokenHash: hashSecret(token), usedAt: null },
      data: { usedAt: now },
      select: { userId: true, expiresAt: true, authProviderId: true, authProviderSessionId: true },
    });
  } catch (error) {
    if (isRecordNotFound(error)) throw invalid();
    throw error;
  }
  if (row.expiresAt.getTime() <= now.getTime()) throw invalid();
  return { userId: row.userId, authProviderId: row.authProviderId, authProviderSessionId: row.authProviderSessionId };
}

/** Removes tokens that expired more than five minutes ago (Synapse purges on the same rule). */
export async function purgeExpiredLoginTokens(): Promise<number> {
  const { count } = await db().loginToken.deleteMany({ where: { expiresAt: { lt: new Date(Date.now() - 300_000) } } });
  return count;
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
