// The mapping provider's extra attributes for a user's latest SSO login: stored when the login
// completes, merged into the /login response of the token exchange within two minutes (Synapse).
import { db } from "../db/client";

const VALID_FOR_MS = 120_000;

export async function storeExtraAttributes(userId: string, attributes: Record<string, unknown>): Promise<void> {
  const data = { attributes: JSON.stringify(attributes), createdAt: new Date() };
  await db().ssoExtraAttributes.upsert({ where: { userId }, update: data, create: { userId, ...data } });
}

export async function recentExtraAttributes(userId: string): Promise<Record<string, unknown> | undefined> {
  const row = await db().ssoExtraAttributes.findUnique({ where: { userId } });
  if (!row || row.createdAt.getTime() < Date.now() - VALID_FOR_MS) return undefined;
  return JSON.parse(row.attributes) as Record<string, unknown>;
}
