// UI-auth sessions in the database (Synapse's ui_auth_sessions): created by the first call of an
// operation, completed stage by stage, consumed by the operation they authorise.
import { randomBytes } from "node:crypto";
import { db } from "../../db/client";

/** Synapse garbage-collects UI-auth sessions after 48 hours. */
export const UI_AUTH_SESSION_LIFETIME_MS = 48 * 3_600_000;

export interface UiAuthSession {
  id: string;
  userId: string;
  method: string;
  uri: string;
  body: string;
  description: string;
  completed: Record<string, string>;
  expiresAt: Date;
  consumedAt: Date | null;
}

export async function createUiAuthSession(session: Pick<UiAuthSession, "userId" | "method" | "uri" | "body" | "description">): Promise<UiAuthSession> {
  const row = await db().uiAuthSession.create({
    data: { ...session, id: randomBytes(18).toString("base64url"), expiresAt: new Date(Date.now() + UI_AUTH_SESSION_LIFETIME_MS) },
  });
  return { ...row, completed: {} };
}

/** The session if it exists, has not expired and has not been used up. */
export async function findUiAuthSession(id: string): Promise<UiAuthSession | null> {
  const row = await db().uiAuthSession.findUnique({ where: { id } });
  if (!row || row.expiresAt.getTime() <= Date.now() || row.consumedAt !== null) return null;
  return { ...row, completed: JSON.parse(row.completed) as Record<string, string> };
}

export async function recordCompletedStage(id: string, stage: string, userId: string): Promise<void> {
  const session = await findUiAuthSession(id);
  if (!session) return;
  await db().uiAuthSession.update({
    where: { id },
    data: { completed: JSON.stringify({ ...session.completed, [stage]: userId }) },
  });
}

/** Uses the session up; false if another request got there first. */
export async function consumeUiAuthSession(id: string): Promise<boolean> {
  const { count } = await db().uiAuthSession.updateMany({ where: { id, consumedAt: null }, data: { consumedAt: new Date() } });
  return count === 1;
}
