// UI-auth sessions in the database (Synapse's ui_auth_sessions): created by the first call of an
// operation, completed stage by stage, consumed by the operation they authorise.
//
// Synapse keeps the request's method, URI and whole body (clientdict) in a session. Here a session
// keeps only a digest of them: it is all that matching the later request needs, and it keeps a
// row's size bounded whatever the body (a session was otherwise up to max_request_body_size of
// storage per call). New sessions are limited per user (UI_AUTH_SESSION_LIMIT).
import { createHash } from "node:crypto";
import { randomBase64Url } from "../../crypto/random-pool";
import { db } from "../../db/client";
import { sharedLimiter } from "../../ratelimit/login-limiters";
import type { RateLimitSettings } from "../../ratelimit/rate-limiter";

/** Synapse garbage-collects UI-auth sessions after 48 hours. */
export const UI_AUTH_SESSION_LIFETIME_MS = 48 * 3_600_000;

/**
 * How fast one user may start UI-auth sessions: a burst of 100, then one every 10 seconds. Every
 * sensitive operation starts one (a client deleting devices one by one starts one per device), but
 * nothing legitimate starts them faster than a person confirms them. Synapse has no such limit;
 * without one, any signed-in user could create rows without bound. Answered as Synapse answers any
 * rate limit: 429 M_LIMIT_EXCEEDED with retry_after_ms.
 */
export const UI_AUTH_SESSION_LIMIT: RateLimitSettings = { per_second: 0.1, burst_count: 100 };

export interface UiAuthSession {
  id: string;
  userId: string;
  /** See requestDigest(). */
  requestDigest: string;
  description: string;
  completed: Record<string, string>;
  expiresAt: Date;
  consumedAt: Date | null;
}

/** A JSON value with the keys of every object sorted, so that equal values serialise alike. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * What a session is bound to: SHA-256 over the method, the path and the body (without `auth`) as
 * canonical JSON, so that the same request matches whatever the order of its keys. The body's
 * nesting is bounded by the caller (lib/auth/ui-auth/check-ui-auth.ts), so the recursion is too.
 */
export function requestDigest(method: string, uri: string, body: Record<string, unknown>): string {
  return createHash("sha256").update(canonicalJson([method, uri, body]), "utf8").digest("base64url");
}

/** Starts a session; rejects with M_LIMIT_EXCEEDED when the user has started too many too fast. */
export async function createUiAuthSession(session: Pick<UiAuthSession, "userId" | "requestDigest" | "description">): Promise<UiAuthSession> {
  await sharedLimiter("ui_auth.sessions", UI_AUTH_SESSION_LIMIT).check(session.userId);
  const row = await db().uiAuthSession.create({
    data: { ...session, id: randomBase64Url(18), expiresAt: new Date(Date.now() + UI_AUTH_SESSION_LIFETIME_MS) },
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
